package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `fedmesh bench transfer` on a small payload: both paths run and the table line comes out. */
class TransferBenchCommandTest {
  @Test
  void measuresTlsAgainstPlaintextOnASmallPayload() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(new String[] {"bench", "transfer", "--megabytes", "2", "--repeats", "1"},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).matches("(?s)2 MiB as signed 1 MiB chunks, median of 1: mutual TLS 1.3 \\d+ MB/s, plaintext \\d+ MB/s, "
        + "ratio [0-9.]+x.*");
    assertThat(FedmeshMain.run(new String[] {"bench", "transfer", "--megabytes", "0"}, new PrintWriter(out, true),
        new PrintWriter(err, true))).isEqualTo(2);
  }
}
