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
    FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("demo", "--nodes", "4", "--rounds", "2", "--out", out.toString());
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout()).contains("behind a firewall (via the coordinator)", "round 1 committed", "round 2 committed",
        "centralised baseline", "stopped the 4 node processes");
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
