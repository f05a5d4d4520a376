package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `fedmesh bench algorithms` refuses bad options, and algorithms this build lacks, with one line and exit code 2. */
class AlgorithmsBenchCommandTest {
  @Test
  void badOptionsExitWithAUsageErrorNamingThem() {
    assertRefused("--algorithms", "fedavg,fedfoo", "unknown: fedfoo");
    assertRefused("--tables", "mnist", "--tables must be fmnist and/or fraud");
    assertRefused("--dataset", "cifar", "--dataset must be fashion-mnist or synthetic");
    assertRefused("--alphas", "0", "--alphas must be positive");
    assertRefused("--clients", "1", "--clients in [2, 10000]");
    assertRefused("--tau", "0", "tau and mu must be positive");
    assertRefused("--lr", "-1", "learning rate must be positive");
  }

  @Test
  void anUnknownAlgorithmIsNamed() {
    assertRefused("--algorithms", "fedavg,fedsgd", "unknown: fedsgd");
  }

  @Test
  void helpExplainsWhatItMeasuresAndTheTarget() {
    StringWriter out = new StringWriter();
    assertThat(FedmeshMain.run(new String[] {"bench", "algorithms", "--help"}, new PrintWriter(out, true),
        new PrintWriter(new StringWriter(), true))).isZero();
    assertThat(out.toString()).contains("Dirichlet", "at most half the rounds", "--eta", "--tau", "--out");
  }

  private static void assertRefused(String option, String value, String message) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(new String[] {"bench", "algorithms", option, value}, new PrintWriter(out, true),
        new PrintWriter(err, true));
    assertThat(code).as(option + " " + value).isEqualTo(2);
    assertThat(err.toString()).contains(message);
    assertThat(err.toString().lines().count()).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
  }
}
