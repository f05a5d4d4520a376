package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code ./fedmesh bench} as a separate process, as a user would: the launcher runs this module's
 * jar, whose main class is the node's, and the node finds {@code bench} through {@link BenchPlugin}.
 */
class BenchLauncherIT {

  record Result(int exitCode, String stdout, String stderr) {}

  static Result fedmesh(String... args) throws Exception {
    return fedmesh(120, args);
  }

  /** Runs {@code ./fedmesh args} and fails if it takes longer than {@code timeoutSeconds}. */
  static Result fedmesh(long timeoutSeconds, String... args) throws Exception {
    Path root = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
    List<String> command = new ArrayList<>(List.of(root.resolve("fedmesh").toString()));
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile("fedmesh-out", ".txt");
    Path stderr = Files.createTempFile("fedmesh-err", ".txt");
    try {
      Process process = new ProcessBuilder(command)
          .directory(Files.createTempDirectory("fedmesh-cwd").toFile())
          .redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("fedmesh " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
      }
      return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  @Test
  void benchSecaggRunsAWholeRoundInItsOwnProcess() throws Exception {
    Result result = fedmesh("bench", "secagg", "--clients", "5", "--dim", "300", "--dropout", "0.2", "--json");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().strip()).startsWith("{\"result\": \"completed\"").contains("\"bound_cpu_s\"");
    assertThat(result.stderr()).isEmpty(); // the build exists, so the launcher must not rebuild
  }

  @Test
  void helpBenchListsEveryBenchmark() throws Exception {
    Result result = fedmesh("help", "bench");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("Usage: fedmesh bench", "secagg", "ml", "transfer", "membership", "relay", "round", "election", "algorithms");
  }
}
