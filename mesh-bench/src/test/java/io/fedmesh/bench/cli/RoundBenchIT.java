package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * `./fedmesh bench round` as a user runs it, node processes included: a coordinator and 3 participants,
 * each its own JVM on loopback with mutual TLS, m ~ 10,000, one measured round; the JSON has every part. About
 * a minute on 2 idle cores (five JVMs start); the limit allows for a loaded machine.
 */
class RoundBenchIT {
  @Test
  void runsRoundsOverTheWireAndInOneJvm() throws Exception {
    BenchLauncherIT.Result result = BenchLauncherIT.fedmesh(240, "bench", "round", "--participants", "3", "--dim", "10000",
        "--rounds", "1", "--skip-jvm50", "--json");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    String json = result.stdout().strip();
    assertThat(json).startsWith("{\"m\": 10032, \"hidden\": 10, \"rounds\": 1, \"participants\": 3")
        .containsPattern("\"wire\": \\{\"participants\": 3, \"median_s\": [0-9.]+")
        .containsPattern("\"ratio\": [0-9.]+")
        .contains("\"masked_input\": ", "\"floor\": 40128", "\"jvm\": null");
    assertThat(result.stderr()).contains("4 node processes up");
  }
}
