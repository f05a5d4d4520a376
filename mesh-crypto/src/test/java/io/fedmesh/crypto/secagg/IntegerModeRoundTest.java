package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.SecAggResult;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Integer mode: clients feed their own encodings mod 2^b (the distributed discrete Gaussian), the
 * server learns exactly their sum mod 2^b, dropouts included.
 */
class IntegerModeRoundTest {
  static SecAggParameters params(int n, int m, int bits) {
    return new SecAggParameters(SecAggFixtures.config(n, n - 1, n / 2 + 1, m).setWeightBits(0).setIntegerBits(bits).build());
  }

  static int[][] encodings(int n, int m, int bits, long seed) {
    Random r = new Random(seed);
    int[][] x = new int[n][m];
    for (int c = 0; c < n; c++) {
      for (int i = 0; i < m; i++) {
        x[c][i] = bits == 32 ? r.nextInt() : r.nextInt(1 << bits);
      }
    }
    return x;
  }

  static List<SecAggClient> clients(SecAggParameters p, int[][] x) {
    List<SecAggClient> clients = new ArrayList<>();
    for (int c = 0; c < x.length; c++) {
      clients.add(new SecAggClient(p, c, x[c], SimulationRandom.fromSeed(c), null));
    }
    return clients;
  }

  @Test
  void theServerLearnsTheSumModuloTwoToTheBitsWithADropout() {
    for (int bits : new int[] {32, 20, 16}) {
      int n = 6;
      int m = 37;
      SecAggParameters p = params(n, m, bits);
      int[][] x = encodings(n, m, bits, bits);
      InProcessRound.Dropouts drop = new InProcessRound.Dropouts(Map.of(4, Phase.MASKED_INPUT), Set.of());
      SecAggResult result = InProcessRound.run(p, clients(p, x), drop, InProcessRound.Timing.none(), 1).server().result()
          .orElseThrow();
      assertThat(result.survivors()).containsExactly(0, 1, 2, 3, 5);
      assertThat(result.weightTotal()).isEqualTo(5);
      assertThat(result.weightedSum()).isNull();
      long mask = bits == 32 ? 0xFFFF_FFFFL : (1L << bits) - 1;
      for (int i = 0; i < m; i++) {
        long expected = 0;
        for (int c : result.survivors()) {
          expected += x[c][i] & 0xFFFF_FFFFL;
        }
        assertThat(result.integerSum()[i] & 0xFFFF_FFFFL).as("bits %d, word %d", bits, i).isEqualTo(expected & mask);
      }
    }
  }

  @Test
  void clientsAndParametersRefuseTheWrongMode() {
    SecAggParameters integer = params(4, 5, 20);
    assertThatThrownBy(() -> new SecAggClient(integer, 0, new float[5], 1, SimulationRandom.fromSeed(1)))
        .hasMessageContaining("give the client its encoding");
    int[] tooBig = new int[5];
    tooBig[2] = 1 << 20;
    assertThatThrownBy(() -> new SecAggClient(integer, 0, tooBig, SimulationRandom.fromSeed(1), null))
        .hasMessageContaining("word 2");
    assertThatThrownBy(() -> new SecAggClient(integer, 0, new int[4], SimulationRandom.fromSeed(1), null))
        .hasMessageContaining("4 words");
    SecAggParameters floats = SecAggFixtures.params(4, 3, 3, 5);
    assertThatThrownBy(() -> new SecAggClient(floats, 0, new int[5], SimulationRandom.fromSeed(1), null))
        .hasMessageContaining("integer_bits > 0");
    assertThatThrownBy(() -> new SecAggParameters(SecAggFixtures.config(4, 3, 3, 5).setIntegerBits(20).build()))
        .hasMessageContaining("weight_bits 0");
    assertThatThrownBy(() -> new SecAggParameters(SecAggFixtures.config(4, 3, 3, 5).setWeightBits(0).setIntegerBits(33).build()))
        .hasMessageContaining("[0, 32]");
  }
}
