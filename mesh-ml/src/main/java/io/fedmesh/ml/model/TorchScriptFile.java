package io.fedmesh.ml.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A model brought by the federation as a TorchScript file (exported from PyTorch with {@code torch.jit.script}
 * or {@code torch.jit.trace}) and named by its SHA-256, which every participant checks before libtorch sees a
 * byte of it: a TorchScript file is a program, and a participant runs only the one the federation agreed on.
 *
 * <p>The module must map a float tensor {@code [batch, ...sampleShape]} to logits {@code [batch, classes]}.
 * Its parameters ({@code named_parameters()} in PyTorch) are the federated model, and the file's values are
 * the federation's initial model.
 *
 * @param file where this participant keeps the file (its own business: only the hash is compared)
 * @param sha256 the file's SHA-256, 64 hex digits, kept in lower case
 */
public record TorchScriptFile(Path file, String sha256) {
  /** Files are hashed in memory (so the bytes checked are the bytes loaded): at most a Java array's worth. */
  static final long MAX_BYTES = Integer.MAX_VALUE - 8;
  private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

  public TorchScriptFile {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(sha256, "sha256");
    if (!HEX64.matcher(sha256).matches()) {
      throw new IllegalArgumentException("a torchscript model's sha256 is 64 hex digits, got '" + sha256 + "'");
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
  }

  /**
   * The file's bytes, once their SHA-256 is checked: what is checked is exactly what is returned, so the file
   * cannot change between the check and the use.
   *
   * @throws IllegalArgumentException if the file cannot be read, or its SHA-256 is not {@link #sha256()}
   *     (the message names both hashes)
   */
  public byte[] verifiedBytes() {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException("torchscript file " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("torchscript file " + file + ": cannot read it (" + e + ")");
    }
    String actual = sha256Hex(bytes);
    if (!actual.equals(sha256)) {
      throw new IllegalArgumentException("torchscript file " + file + " has SHA-256 " + actual + ", expected " + sha256
          + ": it is not the federation's model");
    }
    return bytes;
  }

  /**
   * Loads the verified file as {@code model}'s block (a DJL {@code PtSymbolBlock}) with trainable parameters.
   * {@code model} must be a fresh PyTorch-engine model with no block.
   *
   * <p>libtorch is handed a private copy of the verified bytes, never the file named in the config, because
   * DJL's stream loader cannot make parameters trainable (its parameters would be inference tensors) and
   * loading the named path after hashing it would let the file change in between.
   *
   * @throws IllegalArgumentException if the file cannot be read, its hash is another, or libtorch cannot load
   *     it as a TorchScript module
   */
  public void loadInto(Model model) {
    byte[] bytes = verifiedBytes();
    Path dir = null;
    Path copy = null;
    try {
      // createTempDirectory makes an owner-only (0700) directory on POSIX: nobody else can swap the copy.
      dir = Files.createTempDirectory("fedmesh-torchscript");
      copy = Files.write(dir.resolve("model.pt"), bytes);
      // trainParam: parameters that require gradients, or training fails on inference tensors.
      // mapLocation: tensors saved on another device are moved to the model's.
      model.load(copy, "model", Map.of("trainParam", "true", "mapLocation", "true"));
    } catch (IOException | MalformedModelException | EngineException e) {
      throw new IllegalArgumentException("torchscript file " + file + " (sha256 " + sha256
          + ") is not a TorchScript module libtorch can load: " + firstLine(e.getMessage()), e);
    } finally {
      deleteQuietly(copy);
      deleteQuietly(dir);
    }
  }

  /** Lower-case hex SHA-256 of {@code bytes}. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /** The first line of an engine error: libtorch's run over many lines, and the first says what failed. */
  public static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // Ignored: a leftover copy of the federation's (hash-checked, shared) model in a private temp directory
      // harms nobody, and failing the load over it would.
    }
  }
}
