package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `fedmesh bench secagg` on small rounds: the table, the JSON the issue names, and bad arguments. */
class SecAggBenchCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void printsPhasesBaselineAndBoundForAGivenInsecureConfiguration() {
    assertThat(run("bench", "secagg", "--clients", "6", "--dim", "2000", "--dropout", "0.2",
        "--shares", "3", "--threshold", "2", "--insecure-params", "--threads", "2")).as(err.toString()).isZero();

    assertThat(out.toString())
        .contains("n=6 m=2000 k=2 t=2 (given, insecure allowed) dropout 20% before-masking")
        .contains("result: completed")
        .contains("share-keys", "masked-input", "unmasking", "plaintext baseline", "bound", "CPU / bound");
  }

  @Test
  void jsonHasTheFieldsOtherToolsRead() {
    assertThat(run("bench", "secagg", "--clients", "8", "--dim", "1000", "--dropout", "0.25",
        "--drop-phase", "after-masking", "--json", "--threads", "1")).as(err.toString()).isZero();

    String json = out.toString().strip();
    assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n")
        .contains("\"result\": \"completed\"", "\"total_cpu_s\": ", "\"wall_s\": ", "\"plaintext_cpu_s\": ",
            "\"bound_cpu_s\": ", "\"params\": {", "\"derived\": true", "\"phases\": {", "\"masked-input\": {\"client_cpu_s\"",
            "\"drop_phase\": \"after-masking\"");
  }

  @Test
  void maliciousServerRoundsDeriveParametersAgainstALiarAndRunTheExtraPhases() {
    assertThat(run("bench", "secagg", "--clients", "12", "--dim", "500", "--dropout", "0.1",
        "--malicious-server", "--threads", "1")).as(err.toString()).isZero();

    // One dropout among 12, none corrupt: t = 3 > (k + 1) / 2 for k = 4, and a survivor with one dropped
    // neighbour still gets its 3 confirmations (the curious-server choice would be k = 2, t = 2).
    assertThat(out.toString()).contains("n=12 m=500 k=4 t=3 (derived)", "malicious-server checks", "result: completed")
        .containsPattern("fix-graph +[0-9.]+ +[0-9.]+")
        .containsPattern("consistency-check +[0-9.]+ +[0-9.]+");
    // The curious-server choice for the same round is refused against a liar.
    assertThat(run("bench", "secagg", "--clients", "100", "--dim", "10", "--dropout", "0.1", "--corrupt", "0.05",
        "--shares", "17", "--threshold", "8", "--malicious-server")).isEqualTo(2);
    assertThat(err.toString()).contains("2t - k - 1 or more corrupt shareholders").contains("--insecure-params");
  }

  @Test
  void refusesParametersBelowTheDerivedGuaranteesWithoutTheInsecureFlag() {
    assertThat(run("bench", "secagg", "--clients", "100", "--dim", "10", "--dropout", "0.1",
        "--shares", "3", "--threshold", "2")).isEqualTo(2);
    assertThat(err.toString().lines()).hasSize(1);
    assertThat(err.toString()).startsWith("fedmesh: ").contains("--insecure-params");
  }

  @Test
  void badArgumentsAreOneLineAndExitCode2() {
    for (String[] args : new String[][] {
        {"bench", "secagg", "--clients", "1", "--dim", "10"},
        {"bench", "secagg", "--clients", "10", "--dim", "0"},
        {"bench", "secagg", "--clients", "10", "--dim", "10", "--dropout", "1.5"},
        {"bench", "secagg", "--clients", "10", "--dim", "10", "--drop-phase", "sometimes"},
        {"bench", "secagg", "--clients", "10", "--dim", "10", "--shares", "3"},
        {"bench", "secagg", "--dim", "10"},
        {"bench"}}) {
      StringWriter e = new StringWriter();
      int code = FedmeshMain.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));
      assertThat(code).as(String.join(" ", args)).isEqualTo(2);
      assertThat(e.toString().lines()).as(String.join(" ", args)).hasSize(1).allMatch(l -> l.startsWith("fedmesh: "));
    }
  }
}
