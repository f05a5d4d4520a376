package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `fedmesh bench dpsgd` refuses settings DP-SGD cannot run with, before loading any data. */
class DpSgdBenchCommandTest {
  @Test
  void badSettingsExitWithAUsageErrorNamingThem() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(run(out, err, "--clip", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("clip norm C must be positive");
    assertThat(run(out, err, "--batch", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("expected batch size");
    assertThat(run(out, err, "--rounds", "0")).isEqualTo(2);
    assertThat(run(out, err, "--delta", "1")).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "bench";
    all[1] = "dpsgd";
    System.arraycopy(args, 0, all, 2, args.length);
    return FedmeshMain.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
  }
}
