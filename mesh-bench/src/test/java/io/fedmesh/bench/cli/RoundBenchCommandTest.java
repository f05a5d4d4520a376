package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `fedmesh bench round` without node processes: both in-process parts run and the table comes out. */
class RoundBenchCommandTest {
  @Test
  void inProcessPartsPrintTheirTableOnASmallModel() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(new String[] {"bench", "round", "--skip-wire", "--participants", "3", "--dim", "10000",
        "--rounds", "1", "--jvm-participants", "4"}, new PrintWriter(out, true), new PrintWriter(err, true));

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("m = 10,032 (mlp:10 on [1000], 2 classes)")
        .containsPattern("\\| 3 participants, in one JVM \\(InProcessRounds\\) +\\| +[0-9.]+ s \\| [0-9.]+ +\\| 1.00 \\(baseline\\)")
        .containsPattern("\\| 4 participants, in one JVM \\(InProcessRounds\\) +\\| +[0-9.]+ s \\| [0-9.]+ +\\| [0-9.]+x");
  }

  @Test
  void refusesOptionsOutOfRange() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    for (String[] bad : new String[][] {{"--participants", "2"}, {"--dim", "10"}, {"--rounds", "0"}, {"--jvm-participants", "101"}}) {
      String[] args = {"bench", "round", bad[0], bad[1]};
      assertThat(FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true))).as(bad[0]).isEqualTo(2);
    }
  }
}
