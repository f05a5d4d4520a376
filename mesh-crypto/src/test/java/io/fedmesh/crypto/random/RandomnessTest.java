package io.fedmesh.crypto.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class RandomnessTest {

  @Test
  void productionRandomnessIsTheJdkDrbgAtFullStrength() {
    SecureRandom strong = Randomness.strong();

    assertThat(strong.getAlgorithm()).isEqualTo("DRBG");
    assertThat(strong.getParameters().toString()).contains("256");
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    strong.nextBytes(a);
    Randomness.strong().nextBytes(b);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void simulationRandomReplaysItsSeedExactly() {
    byte[] a = new byte[100_000];
    byte[] b = new byte[100_000];
    byte[] c = new byte[100_000];
    SimulationRandom.fromSeed(42).nextBytes(a);
    SimulationRandom r = SimulationRandom.fromSeed(42);
    r.nextBytes(new byte[0]);
    r.nextBytes(b);
    SimulationRandom.fromSeed(43).nextBytes(c);

    assertThat(b).isEqualTo(a);
    assertThat(c).isNotEqualTo(a);
    assertThat(SimulationRandom.fromSeed(42).nextLong()).isEqualTo(SimulationRandom.fromSeed(42).nextLong());
  }

  @Test
  void simulationRandomRefusesExtraSeedRatherThanSilentlyDiverging() {
    assertThatThrownBy(() -> SimulationRandom.fromSeed(1).setSeed(new byte[] {1}))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
