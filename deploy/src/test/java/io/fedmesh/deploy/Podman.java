package io.fedmesh.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The image under test and podman, run as the checks need it here: with runc (podman's default crun fails on this
 * kind of host: setrlimit, hybrid cgroups) and explicit descriptor and process limits. See deploy/image/README.md.
 */
final class Podman {
  /** Where the profile 'image' wrote the image (pom.xml: fedmesh.image.dir). */
  static final Path IMAGE_DIR = Path.of(System.getProperty("fedmesh.image.dir", "target/image"));
  static final Path IMAGE_TAR = IMAGE_DIR.resolve("fedmesh-image.tar");
  static final List<String> RUN = List.of("run", "--runtime", "runc", "--ulimit", "nofile=20000:20000",
      "--ulimit", "nproc=4096:4096");

  private static String loaded;

  private Podman() {}

  /** The output and exit code of a finished command. */
  record Result(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  /** Runs podman with these arguments, waiting at most {@code seconds}. */
  static Result podman(long seconds, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(args);
    return exec(seconds, command);
  }

  static Result exec(long seconds, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("podman-", ".out");
    Path err = Files.createTempFile("podman-", ".err");
    try {
      Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " took more than " + seconds + " s; stderr: "
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** {@code podman run --rm} of the image with extra run options, then the container's arguments. */
  static Result run(long seconds, List<String> options, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(RUN);
    command.add("--rm");
    command.addAll(options);
    command.add(image());
    command.addAll(List.of(args));
    return podman(seconds, command);
  }

  /** Loads the image tar once per JVM; returns its id (sha256:...), which names it in podman. */
  static synchronized String image() throws IOException, InterruptedException {
    if (loaded == null) {
      if (!Files.exists(IMAGE_TAR)) {
        throw new AssertionError(IMAGE_TAR + " is missing: the image is built by the profile 'image' (deploy/image/README.md)");
      }
      long start = System.nanoTime();
      Result load = podman(300, List.of("load", "--input", IMAGE_TAR.toString()));
      if (load.code() != 0) {
        throw new AssertionError("podman load failed: " + load.all());
      }
      loaded = Files.readString(IMAGE_DIR.resolve("fedmesh-image.id")).strip();
      Timings.note("podman load", start);
    }
    return loaded;
  }
}
