package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** With mesh-bench on the class path the node's command line finds the real `bench` through its plugin. */
class BenchPluginTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void fedmeshHelpListsBenchOnceBesideTheNodesCommands() {
    assertThat(run("--help")).isZero();

    assertThat(out.toString()).containsPattern("\\n +bench +Benchmarks that run whole protocols")
        .contains("simulate", "privacy", "keys", "node", "health", "members", "config", "help");
    assertThat(out.toString().split("\\n +bench +")).hasSize(2);
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void benchHelpListsEveryBenchmark() {
    assertThat(run("bench", "--help")).isZero();

    assertThat(out.toString()).contains("Usage: fedmesh bench").containsPattern("\\n +secagg ").containsPattern("\\n +ml ")
        .containsPattern("\\n +transfer ").containsPattern("\\n +membership ").containsPattern("\\n +relay ");
  }
}
