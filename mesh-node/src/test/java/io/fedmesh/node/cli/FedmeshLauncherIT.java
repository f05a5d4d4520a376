package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs the real {@code ./fedmesh} launcher as a separate process, as a user would. */
class FedmeshLauncherIT {

  record Result(int exitCode, String stdout, String stderr) {}

  static Result fedmesh(String... args) throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
    Path launcher = root.resolve("fedmesh");
    assertThat(launcher).isExecutable();
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile("fedmesh-out", ".txt");
    Path stderr = Files.createTempFile("fedmesh-err", ".txt");
    try {
      Process process = new ProcessBuilder(command)
          .directory(Files.createTempDirectory("fedmesh-cwd").toFile()) // a user may run it from anywhere
          .redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("fedmesh " + String.join(" ", args) + " did not finish in 120 s");
      }
      return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  @Test
  void versionRunsFromAnyDirectory() throws Exception {
    Result result = fedmesh("--version");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).startsWith("fedmesh " + FedmeshVersion.buildVersion());
    assertThat(result.stderr()).isEmpty(); // the build exists, so the launcher must not rebuild
  }

  @Test
  void helpListsTheOptions() throws Exception {
    Result result = fedmesh("--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.stdout()).contains("Usage: fedmesh", "--help", "--version")
        .containsPattern("\\n +bench +Benchmarks"); // run by mesh-bench's jar: see mesh-bench's BenchLauncherIT
  }

  @Test
  void simulateTrainsAFederationWithRealDjlInItsOwnProcess() throws Exception {
    Path out = Files.createTempDirectory("fedmesh-sim");
    Result result = fedmesh("simulate", "--clients", "3", "--rounds", "2", "--rows-per-client", "300", "--out", out.toString());

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("round 2: test accuracy");
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(3);
    assertThat(out.resolve("summary.json")).isNotEmptyFile();
    assertThat(Files.readAllBytes(out.resolve("accuracy.png"))).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    // Offline: DJL must not have tried the network (it logs nothing, and the run finished).
    assertThat(result.stderr()).doesNotContain("Exception", "SLF4J");
  }

  @Test
  void privacyEpsilonAnswersFromItsOwnProcess() throws Exception {
    Result result = fedmesh("privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1.1", "--steps", "10000",
        "--delta", "1e-5", "--json");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().strip()).startsWith("{\"epsilon\": 5.63");
  }

  /**
   * The operations guide's walk-through with real processes: a CA, two nodes that make their own keys
   * and get them signed, one node started, and the other asking its health over mutual TLS.
   */
  @Test
  void aNodeStartedFromItsConfigAnswersHealthOverMutualTls() throws Exception {
    Path work = Files.createTempDirectory("fedmesh-ops");
    assertThat(fedmesh("ca", "init", "--out", work.resolve("ca").toString()).exitCode()).isZero();
    String[] ids = new String[2];
    for (int i = 0; i < 2; i++) {
      Path data = work.resolve("node" + i + "/data");
      Result keys = fedmesh("keys", "init", "--out", data.toString(), "--ip", "127.0.0.1");
      assertThat(keys.exitCode()).as(keys.stderr()).isZero();
      ids[i] = keys.stdout().strip();
      assertThat(fedmesh("ca", "sign", "--ca", work.resolve("ca").toString(), "--csr", data.resolve("node.csr").toString(),
          "--out", data.resolve("node.crt").toString(), "--yes").exitCode()).isZero();
      Files.copy(work.resolve("ca/ca.crt"), data.resolve("ca.crt"));
      Files.copy(work.resolve("ca/crl.pem"), data.resolve("crl.pem"));
      Files.writeString(work.resolve("node" + i + "/node.yaml"), "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n"
          + "federations:\n  card-fraud:\n    members:\n      " + String.join(": [participant]\n      ", ids[0], "") + "\n");
    }
    Path root = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
    Process node = new ProcessBuilder(root.resolve("fedmesh").toString(), "node", "--config",
        work.resolve("node0/node.yaml").toString()).redirectErrorStream(true).start();
    try {
      java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      String line;
      String port = null;
      while (port == null && (line = out.readLine()) != null) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("node ([0-9a-f]{64}) listening on port (\\d+)").matcher(line);
        if (m.find()) {
          assertThat(m.group(1)).isEqualTo(ids[0]);
          port = m.group(2);
        }
      }
      assertThat(port).as("the node's start line").isNotNull();
      Result health = fedmesh("health", "--config", work.resolve("node1/node.yaml").toString(), "--target", "127.0.0.1:" + port);
      assertThat(health.exitCode()).as(health.stderr()).isZero();
      assertThat(health.stdout().strip()).isEqualTo("SERVING");
    } finally {
      node.destroy(); // SIGTERM: the node shuts down cleanly
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aWrongCommandLineExitsWith2AndOneLine() throws Exception {
    Result result = fedmesh("--no-such-option");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr().lines()).containsExactly("fedmesh: Unknown option: '--no-such-option' (see 'fedmesh --help')");
  }
}
