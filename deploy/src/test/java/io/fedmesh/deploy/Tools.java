package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The external tools the checks run, found or named (with the package CI installs them from), and run. */
final class Tools {
  /** Where deploy/'s files are: the module's directory (Surefire's working directory). */
  static final Path DEPLOY = Path.of("").toAbsolutePath();

  private Tools() {}

  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  /**
   * The executable {@code name}: {@code /usr/bin/name} or the first on PATH. Missing, the test fails with a
   * message naming what provides it ({@code .ci/run} installs it).
   */
  static Path require(String name, String providedBy) {
    List<Path> candidates = new ArrayList<>();
    candidates.add(Path.of("/usr/bin", name));
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    for (Path p : candidates) {
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return fail(name + " is not installed: install " + providedBy + " (.ci/run does on CI)");
  }

  static Path promtool() {
    return require("promtool", "the Debian package 'prometheus'");
  }

  static Path prometheus() {
    return require("prometheus", "the Debian package 'prometheus'");
  }

  /** Runs {@code command} in {@code dir}, output and errors together, killed after {@code timeout}. */
  static Result run(Path dir, Duration timeout, List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("fedmesh-deploy-tool", ".log");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
        return fail(String.join(" ", command) + " did not finish in " + timeout.toSeconds() + " s: "
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  static Result run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
    return run(dir, timeout, List.of(command));
  }
}
