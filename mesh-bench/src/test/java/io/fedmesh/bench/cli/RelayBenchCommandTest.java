package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `fedmesh bench relay` on a small payload: four real nodes, both paths run and the line comes out. */
class RelayBenchCommandTest {
  @Test
  void measuresRelayedAgainstDirectOnASmallPayload() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(new String[] {"bench", "relay", "--megabytes", "2", "--repeats", "1"},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).matches("(?s)2 MiB as signed 1 MiB chunks over Connect streams, median of 1: direct \\d+ MB/s, "
        + "through a relay \\d+ MB/s, ratio [0-9.]+x.*");
    assertThat(FedmeshMain.run(new String[] {"bench", "relay", "--repeats", "0"}, new PrintWriter(out, true),
        new PrintWriter(err, true))).isEqualTo(2);
  }
}
