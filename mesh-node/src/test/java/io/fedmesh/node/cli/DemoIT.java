package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** README's first command with real processes: {@code fedmesh demo}, smaller, leaves its report and no process behind. */
class DemoIT {
  @Test
  void theDemoTrainsAcrossNodeProcessesAndStopsThemAll() throws Exception {
    Path out = Files.createTempDirectory("fedmesh-demo-it").resolve("demo");
    FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("demo", "--nodes", "4", "--rounds", "2", "--out", out.toString(),
        "--prometheus");
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout()).contains("behind a firewall (via the coordinator)", "round 1 committed", "round 2 committed",
        "centralised baseline", "stopped the 4 node processes");
    // --prometheus: a real Prometheus beside the demo (Debian's prometheus package), stopped with it; or, without
    // one, a line saying how to install it. Either way deploy/prometheus/prometheus.yml's targets file is written.
    if (io.fedmesh.node.demo.DemoPrometheus.find().isPresent()) {
      assertThat(r.stdout()).containsPattern("prometheus: http://127\\.0\\.0\\.1:\\d+/graph").contains("stopped prometheus");
      assertThat(out.resolve("prometheus/prometheus.yml")).content().contains("job_name: fedmesh");
      ProcessHandle.allProcesses().forEach(p -> assertThat(p.info().commandLine().orElse(""))
          .as("prometheus left running").doesNotContain(out.resolve("prometheus").toString()));
    } else {
      assertThat(r.stdout()).contains(io.fedmesh.node.demo.DemoPrometheus.NOT_INSTALLED);
    }
    assertThat(out.resolve("prometheus/targets.json")).content().contains("\"node\": \"participant-3\"");
    String summary = Files.readString(out.resolve("summary.json"));
    assertThat(summary).contains("\"rounds\": 2", "\"committed\": 2", "\"contributors\": 3", "\"baseline\": {");
    List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
    assertThat(csv).hasSize(3);
    assertThat(Files.size(out.resolve("accuracy.png"))).isPositive();
    // Every node process the demo started has exited (their logs name their configs under this directory).
    ProcessHandle.allProcesses().forEach(p -> assertThat(p.info().commandLine().orElse(""))
        .as("a node process left running").doesNotContain(out.toString()));
  }

  /**
   * The demo with FedAdam and FedPer across processes: the optimiser's moments travel in the committed
   * state, each participant keeps its private output layer in its data directory, and the report shows
   * the global and the personalised held-out accuracy side by side.
   */
  @Test
  void fedAdamWithPrivateLayersReportsGlobalAndPersonalisedAccuracy() throws Exception {
    Path out = Files.createTempDirectory("fedmesh-demo-personal-it").resolve("demo");
    FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("demo", "--nodes", "4", "--rounds", "2", "--strategy", "fedadam",
        "--private-layers", "04Linear", "--fine-tune-epochs", "1", "--out", out.toString());
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout()).contains("round 2 committed", "personalised models (each participant's own, same held-out rows)");
    List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
    assertThat(csv.get(0)).contains("personalised_accuracy");
    assertThat(csv.get(2).split(",", -1)[9]).matches("0\\.\\d+|1\\.0+");
    for (String p : List.of("participant-1", "participant-2", "participant-3")) {
      assertThat(out.resolve("nodes/" + p + "/data/rounds/demo.personal-model"))
          .as(p + " keeps its private layers").exists();
    }
  }

  /**
   * The demo with distributed DP: the participants, separate processes, each add their share of the
   * distributed discrete Gaussian inside SecAgg+ over gRPC, the rounds commit, every participant's own
   * ledger in its data directory holds a charge per round, and the report labels what is not private.
   */
  @Test
  void distributedDpAcrossNodeProcessesChargesEachParticipantsOwnLedger() throws Exception {
    Path out = Files.createTempDirectory("fedmesh-demo-dp-it").resolve("demo");
    FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("demo", "--nodes", "4", "--rounds", "2", "--dp-noise", "0.5",
        "--dp-mode", "distributed", "--out", out.toString());
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout()).contains("distributed: each participant adds its share inside SecAgg+", "round 1 committed",
        "round 2 committed", "(participants' own evaluation: non-private)", "non-private");
    assertThat(Files.readString(out.resolve("summary.json"))).contains("\"committed\": 2",
        "\"dp\": {\"noise_multiplier\": 0.5, \"mode\": \"distributed\"");
    assertThat(Files.readAllLines(out.resolve("metrics.csv")).get(0)).contains("contributors_nonprivate", "accuracy_nonprivate");
    for (int i = 1; i <= 3; i++) {
      Path config = out.resolve("nodes/participant-" + i + "/node.yaml");
      FedmeshLauncherIT.Result spent = FedmeshLauncherIT.fedmesh("privacy", "spent", "--config", config.toString(), "--json");
      assertThat(spent.exitCode()).as(spent.stdout() + spent.stderr()).isZero();
      // Two rounds, each charged as the distributed discrete Gaussian before the participant joined it.
      assertThat(spent.stdout().split("\"mechanism\": \"ddg\"", -1)).as(spent.stdout()).hasSize(3);
    }
  }
}
