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
}
