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
  void withoutMeshBenchTheHelpStillListsBenchAndBenchSaysItIsNotInThisBuild() {
    // mesh-node's own tests run without mesh-bench on the class path, as a node-only image would.
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).containsPattern("\\n +bench +Benchmarks that run whole protocols");

    for (String[] args : new String[][] {{"bench"}, {"bench", "secagg", "--clients", "5", "--dim", "10"}, {"bench", "--help"}}) {
      StringWriter e = new StringWriter();
      int code = FedmeshMain.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));
      assertThat(code).as(String.join(" ", args)).isEqualTo(2);
      assertThat(e.toString().lines()).as(String.join(" ", args))
          .containsExactly("fedmesh: benchmarks are not in this build (module mesh-bench); from a source tree, "
              + "'./fedmesh bench' builds and runs them");
    }
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
