package io.fedmesh.node.model;

import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node's content-addressed model store, in its data directory: each model is a blob named by its
 * SHA-256 with its parameter-layout manifest beside it, so a model is fetched, verified and referred to
 * by its hash alone. Writes are atomic (temporary file, fsync, rename): the blob first, then the
 * manifest, so a model is in the store exactly when its manifest is, and a crash between the two
 * leaves a blob nobody lists. Every read re-hashes the blob: a file changed on disk is reported, never
 * handed out. Thread-safe (each write is atomic on its own; a model's two files never change once written).
 */
public final class ModelStore {
  /** What a model id looks like: 64 lowercase hex digits. Anything else is refused before it touches a path. */
  public static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
  private static final String BLOB = ".bin";
  private static final String MANIFEST = ".manifest";

  private final Path dir;
  private final long maxBytes;

  /** A stored model: its id (hex SHA-256 of the blob), the blob and its manifest. */
  public record StoredModel(String id, byte[] blob, String manifest) {}

  /**
   * @param dir where the models live (created on the first write)
   * @param maxBytes the largest blob accepted (a bound on what a peer can make this node store)
   */
  public ModelStore(Path dir, long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
    }
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** The id of {@code blob}: hex SHA-256. */
  public static String idOf(byte[] blob) {
    return HexFormat.of().formatHex(sha256().digest(blob));
  }

  /**
   * Stores {@code blob} and its manifest (idempotent: storing a model again changes nothing) and returns its id.
   *
   * @throws ModelStoreException if the blob is empty or larger than the bound, or the manifest is empty
   * @throws IOException if the disk write fails (the store is left without the model, never half of it)
   */
  public String put(byte[] blob, String manifest) throws IOException {
    if (blob.length == 0 || blob.length > maxBytes) {
      throw new ModelStoreException("a model blob must be 1 to " + maxBytes + " bytes, got " + blob.length);
    }
    if (manifest.isBlank()) {
      throw new ModelStoreException("a model needs its parameter-layout manifest");
    }
    String id = idOf(blob);
    try {
      if (get(id).isPresent()) {
        return id;
      }
    } catch (ModelStoreException damaged) {
      // The copy on disk was damaged: the good bytes in hand replace it.
    }
    AtomicFiles.write(blob(id), blob);
    AtomicFiles.writeString(manifest(id), manifest);
    return id;
  }

  /**
   * Stores {@code blob} only if its SHA-256 is {@code expectedId} (what an invitation named): a model
   * that arrived altered or truncated is refused and nothing is written.
   */
  public String putVerified(String expectedId, byte[] blob, String manifest) throws IOException {
    checkId(expectedId);
    String actual = idOf(blob);
    if (!actual.equals(expectedId)) {
      throw new ModelStoreException("the model's SHA-256 is " + actual + ", not the expected " + expectedId);
    }
    return put(blob, manifest);
  }

  /**
   * The model with this id, if stored.
   *
   * @throws ModelStoreException if the id is malformed, or the blob on disk no longer hashes to its
   *     name (changed or damaged since it was written)
   */
  public Optional<StoredModel> get(String id) throws IOException {
    checkId(id);
    Path manifest = manifest(id);
    if (!Files.exists(manifest)) {
      return Optional.empty();
    }
    byte[] blob = Files.readAllBytes(blob(id));
    if (!idOf(blob).equals(id)) {
      throw new ModelStoreException("model " + id + " is damaged on disk: its blob no longer hashes to its name");
    }
    return Optional.of(new StoredModel(id, blob, Files.readString(manifest, StandardCharsets.UTF_8)));
  }

  /** The ids of every complete model (blob and manifest), ascending. */
  public List<String> list() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(MANIFEST))
          .map(n -> n.substring(0, n.length() - MANIFEST.length())).filter(n -> ID.matcher(n).matches())
          .filter(n -> Files.exists(blob(n))).sorted().forEach(ids::add);
    }
    return ids;
  }

  private static void checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new ModelStoreException("a model id is 64 lowercase hex digits (a SHA-256), got "
          + (id == null ? "none" : "'" + id.substring(0, Math.min(id.length(), 80)) + "'"));
    }
  }

  private Path blob(String id) {
    return dir.resolve(id + BLOB);
  }

  private Path manifest(String id) {
    return dir.resolve(id + MANIFEST);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
