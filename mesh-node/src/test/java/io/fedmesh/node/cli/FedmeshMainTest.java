package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class FedmeshMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void versionNamesTheBuildAndTheJava() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("fedmesh " + FedmeshVersion.buildVersion()).contains("Java " + Runtime.version());
    assertThat(FedmeshVersion.buildVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void helpExplainsTheBinaryAndItsExitCodes() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: fedmesh")
        .contains("secure aggregation")
        .contains("--version")
        .contains("Exit codes: 0 success, 1 the command failed, 2 the command line is wrong.");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void anUnknownOptionIsOneLineOnStderrAndExitCode2() {
    assertThat(run("--frobnicate")).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly("fedmesh: Unknown option: '--frobnicate' (see 'fedmesh --help')");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aBareCommandIsAUsageError() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly("fedmesh: no command given (see 'fedmesh --help')");
  }
}
