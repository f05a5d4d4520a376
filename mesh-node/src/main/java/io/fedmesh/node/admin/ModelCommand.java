package io.fedmesh.node.admin;

import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.storage.AtomicFiles;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.ListModelsRequest;
import io.fedmesh.proto.v1.ListModelsResponse;
import io.fedmesh.proto.v1.ModelInfo;
import io.fedmesh.proto.v1.PullModelRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh model}: the models in a node's content-addressed store; fetch one and check it. */
@Command(name = "model", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"A federation's models, each named by the SHA-256 of its blob with its parameter-layout manifest "
        + "beside it: list and pull them from the node at --target (the Admin service; the asking node must be an "
        + "admin of the federation), and verify a copy on disk.", ""},
    subcommands = {ModelCommand.ListModels.class, ModelCommand.Pull.class, ModelCommand.Verify.class})
public final class ModelCommand implements Runnable {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final String MANIFEST = ".manifest";

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh model --help')");
  }

  /** {@code fedmesh model list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Lists the models of --federation in the store of the node at --target: SHA-256, size, and the "
          + "first line of the manifest. The node re-hashes each blob: one that changed on disk is shown DAMAGED.", ""})
  public static final class ListModels implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget node;

    @Option(names = "--json", description = "One JSON object: {\"federation\", \"models\": [{\"sha256\", \"size_bytes\", "
        + "\"manifest\", \"damaged\"}]}, the manifest in full.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ListModelsResponse models = node.call(spec, admin -> admin.withDeadlineAfter(60, TimeUnit.SECONDS)
          .listModels(ListModelsRequest.newBuilder().setFederation(node.federationId()).build()));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(AdminJson.models(node.federation, models.getModelsList()));
      } else if (models.getModelsCount() == 0) {
        out.println("no models in federation " + node.federation + "'s store");
      } else {
        for (ModelInfo m : models.getModelsList()) {
          out.println(m.getDamaged() ? m.getSha256() + "  DAMAGED: its blob no longer hashes to its name"
              : String.format(Locale.ROOT, "%s  %,d bytes  %s", m.getSha256(), m.getSizeBytes(), firstLine(m.getManifest())));
        }
      }
      return 0;
    }

    private static String firstLine(String manifest) {
      String line = manifest.lines().findFirst().orElse("").strip();
      return line.length() > 60 ? line.substring(0, 57) + "..." : line;
    }
  }

  /** {@code fedmesh model pull}. */
  @Command(name = "pull", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Fetches model SHA256 of --federation from the store of the node at --target into --out, and its "
          + "manifest into --out.manifest. The bytes are written to a temporary file, checked (every chunk in order, "
          + "the size, and the SHA-256 of what arrived against the one asked for), forced to disk and only then "
          + "renamed over --out: a failed pull leaves nothing behind and an existing --out untouched.", ""})
  public static final class Pull implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget node;

    @Parameters(index = "0", paramLabel = "SHA256", description = "The model: its SHA-256, 64 hex digits (as 'fedmesh model list' prints).")
    String sha256;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the model goes (its manifest: FILE.manifest).")
    Path out;

    @Option(names = "--json", description = "One JSON object: {\"file\", \"manifest_file\", \"sha256\", \"size_bytes\"}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (!SHA256_HEX.matcher(sha256).matches()) {
        throw new ParameterException(spec.commandLine(), "SHA256 must be 64 hex digits, got '" + sha256 + "'");
      }
      String id = sha256.toLowerCase(Locale.ROOT);
      ModelInfo info;
      try {
        info = node.call(spec, admin -> {
          ModelInfo found = admin.withDeadlineAfter(60, TimeUnit.SECONDS).listModels(ListModelsRequest.newBuilder()
              .setFederation(node.federationId()).setSha256(id).build()).getModels(0);
          if (found.getDamaged()) {
            throw new IllegalStateException(node.target + ": model " + id + " is damaged in the node's store");
          }
          Iterator<Chunk> chunks = admin.withDeadlineAfter(1, TimeUnit.HOURS).pullModel(PullModelRequest.newBuilder()
              .setFederation(node.federationId()).setSha256(id).build());
          try {
            AtomicFiles.write(out, file -> receive(chunks, found.getSizeBytes(), id, file));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return found;
        });
      } catch (UncheckedIOException e) {
        throw new IllegalStateException(out + ": " + e.getCause().getMessage(), e.getCause());
      }
      Path manifest = manifestOf(out);
      AtomicFiles.writeString(manifest, info.getManifest());
      PrintWriter print = spec.commandLine().getOut();
      if (json) {
        print.println("{\"file\": " + AdminJson.string(out.toString()) + ", \"manifest_file\": " + AdminJson.string(manifest.toString())
            + ", \"sha256\": " + AdminJson.string(id) + ", \"size_bytes\": " + info.getSizeBytes() + "}");
      } else {
        print.printf(Locale.ROOT, "wrote %s (%,d bytes, SHA-256 %s verified) and %s%n", out, info.getSizeBytes(), id, manifest);
      }
      return 0;
    }

    /** Writes the chunks to {@code file} as they arrive; refuses gaps, overlaps, a wrong size or hash. */
    private static void receive(Iterator<Chunk> chunks, long size, String id, java.nio.channels.FileChannel file) throws IOException {
      MessageDigest digest = sha256();
      long received = 0;
      boolean last = false;
      while (chunks.hasNext()) {
        Chunk chunk = chunks.next();
        if (last) {
          throw new IOException("the node sent a chunk after the last one");
        }
        if (chunk.getOffset() != received) {
          throw new IOException("a chunk at offset " + chunk.getOffset() + " arrived after " + received + " bytes");
        }
        if (received + chunk.getData().size() > size) {
          throw new IOException("the node sent more than the model's " + size + " bytes");
        }
        ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
        digest.update(data.duplicate());
        while (data.hasRemaining()) {
          file.write(data);
        }
        received += chunk.getData().size();
        last = chunk.getLast();
      }
      if (!last || received != size) {
        throw new IOException("the stream ended after " + received + " of " + size + " bytes");
      }
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equals(id)) {
        throw new IOException("what arrived hashes to " + actual + ", not the " + id + " asked for; nothing written");
      }
    }
  }

  /** {@code fedmesh model verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Checks a model file on this machine: recomputes the SHA-256 of FILE and compares it with --sha256, "
          + "or, without it, with FILE's name when that is a model id (as in a node's store: <sha256>.bin); and checks "
          + "that its manifest is beside it (FILE.manifest, or <sha256>.manifest in a store). Exit 0 if all holds, "
          + "1 on a mismatch or a missing manifest.", ""})
  public static final class Verify implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The model file (from 'fedmesh model pull', or a store's <sha256>.bin).")
    Path file;

    @Option(names = "--sha256", paramLabel = "HEX", description = "The SHA-256 the file must have (64 hex digits).")
    String expected;

    @Option(names = "--json", description = "One JSON object: {\"file\", \"sha256\", \"size_bytes\", \"expected\", "
        + "\"manifest_file\", \"ok\"}; expected and manifest_file are null when unknown or absent. Printed on a mismatch too.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (expected != null && !SHA256_HEX.matcher(expected).matches()) {
        throw new ParameterException(spec.commandLine(), "--sha256 must be 64 hex digits, got '" + expected + "'");
      }
      String name = file.getFileName().toString();
      String stem = name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
      String want = expected != null ? expected.toLowerCase(Locale.ROOT)
          : SHA256_HEX.matcher(stem).matches() ? stem.toLowerCase(Locale.ROOT) : null;
      MessageDigest digest = sha256();
      long size = 0;
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; size += n) {
          digest.update(buffer, 0, n);
        }
      } catch (NoSuchFileException e) {
        throw new IllegalStateException(file + ": no such file");
      }
      String actual = HexFormat.of().formatHex(digest.digest());
      Path manifest = manifestOf(file);
      if (!Files.isRegularFile(manifest) && !stem.equals(name)) {
        manifest = file.resolveSibling(stem + MANIFEST);
      }
      boolean hasManifest = Files.isRegularFile(manifest);
      String problem = want != null && !want.equals(actual) ? file + ": SHA-256 is " + actual + ", expected " + want
          : !hasManifest ? file + ": no manifest beside it (" + manifestOf(file) + ")" : null;
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println("{\"file\": " + AdminJson.string(file.toString()) + ", \"sha256\": " + AdminJson.string(actual)
            + ", \"size_bytes\": " + size + ", \"expected\": " + (want == null ? "null" : AdminJson.string(want))
            + ", \"manifest_file\": " + (hasManifest ? AdminJson.string(manifest.toString()) : "null")
            + ", \"ok\": " + (problem == null) + "}");
      }
      if (problem != null) {
        spec.commandLine().getErr().println("fedmesh: " + problem);
        return 1;
      }
      if (!json) {
        out.printf(Locale.ROOT, "%s: SHA-256 %s (%s), %,d bytes, manifest %s%n", file, actual,
            want == null ? "no expected hash given" : "as expected", size, manifest);
      }
      return 0;
    }
  }

  /** Where a model file's manifest goes: FILE.manifest. */
  static Path manifestOf(Path file) {
    return file.resolveSibling(file.getFileName() + MANIFEST);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
