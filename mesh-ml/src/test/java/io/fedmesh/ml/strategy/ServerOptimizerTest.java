package io.fedmesh.ml.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server optimisers against an independent NumPy implementation of Reddi et al.'s Algorithm 2 and
 * of server momentum (src/test/resources/strategy/server_optimizers.py, whose output is below), and
 * SCAFFOLD's server step against a hand computation.
 */
class ServerOptimizerTest {
  private static final double[][] DELTAS = {{0.1, -0.2, 0.0}, {0.05, 0.3, -0.4}, {-0.2, 0.1, 0.25}};
  private static final float[] X0 = {0.5f, -1.0f, 2.0f};
  private static final AdaptiveOptions OPTIONS = new AdaptiveOptions(0.9, 0.99, 1e-3);

  private static FedAvg base(double eta) {
    return new FedAvg(TrainingOptions.defaults(), 1.0, eta, 10);
  }

  /** Three rounds, each delta arriving as a weighted sum (weights 2 and 3) the strategy must divide by 5. */
  private static float[] threeRounds(Algorithm algorithm) {
    FedOpt opt = new FedOpt(base(0.1), algorithm, OPTIONS);
    float[] state = algorithm.initialState(X0, OPTIONS);
    int round = 1;
    for (double[] d : DELTAS) {
      float[] sum = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        sum[i] = (float) (5 * d[i]);
      }
      state = opt.aggregateFit(round++, state, new AggregatedUpdate(sum, 5, 2), List.of());
    }
    assertEquals(algorithm.stateLength(3), state.length);
    return java.util.Arrays.copyOf(state, 3);
  }

  @Test
  void fedAvgMMatchesNumpy() {
    assertArrayEquals(new float[] {0.5166000000000001f, -0.9872f, 1.949f}, threeRounds(Algorithm.FEDAVGM), 1e-5f);
  }

  @Test
  void fedAdagradMatchesNumpy() {
    assertArrayEquals(new float[] {0.519095421235127f, -1.0010869452477709f, 1.9876979119938265f},
        threeRounds(Algorithm.FEDADAGRAD), 1e-5f);
  }

  @Test
  void fedAdamMatchesNumpy() {
    assertArrayEquals(new float[] {0.6744689642137294f, -1.0082585452824457f, 1.8795564234403392f},
        threeRounds(Algorithm.FEDADAM), 1e-5f);
  }

  @Test
  void fedYogiMatchesNumpy() {
    assertArrayEquals(new float[] {0.6741009767631067f, -1.0086287146287591f, 1.879637943693343f},
        threeRounds(Algorithm.FEDYOGI), 1e-5f);
  }

  @Test
  void theMomentsAreKeptInTheStateAndAnEmptyRoundChangesNothing() {
    FedOpt adam = new FedOpt(base(0.1), Algorithm.FEDADAM, OPTIONS);
    float[] state = Algorithm.FEDADAM.initialState(X0, OPTIONS);
    assertEquals(1e-6f, state[6], 1e-12f); // v starts at tau^2
    float[] next = adam.aggregateFit(1, state, new AggregatedUpdate(new float[] {1, 0, 0}, 1, 2), List.of());
    assertEquals(0.1f, next[3], 1e-7f); // m = (1 - beta1) delta
    assertEquals(0.01f + 0.99e-6f, next[6], 1e-7f); // v = beta2 tau^2 + (1 - beta2) delta^2
    assertArrayEquals(next, adam.aggregateFit(2, next, new AggregatedUpdate(new float[3], 0, 0), List.of()));
  }

  @Test
  void aStateOfTheWrongShapeIsRefused() {
    FedOpt adam = new FedOpt(base(0.1), Algorithm.FEDADAM, OPTIONS);
    var sum = new AggregatedUpdate(new float[] {1, 0, 0}, 1, 2);
    assertThrows(IllegalArgumentException.class, () -> adam.aggregateFit(1, new float[] {1, 2, 3, 4}, sum, List.of()));
    assertThrows(IllegalArgumentException.class, () -> adam.aggregateFit(1, new float[12], sum, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new FedOpt(base(0.1), Algorithm.SCAFFOLD, OPTIONS));
    assertThrows(IllegalArgumentException.class, () -> new AdaptiveOptions(1.0, 0.99, 1e-3));
    assertThrows(IllegalArgumentException.class, () -> new AdaptiveOptions(0.9, 0.99, 0));
  }

  @Test
  void scaffoldMovesTheModelAndTheControlVariateByHand() {
    // N = 4 participants, 2 in the sum with weights 1 and 3; eta_g = 0.5; local learning rate 0.1 = s.
    Scaffold scaffold = new Scaffold(base(0.5), 4);
    float[] state = {1, 2, 0.5f, -0.5f}; // x = (1, 2), c = (0.5, -0.5)
    // Sum of weight x [dy | s dc]: dy's weighted sum (0.4, -0.8), s dc's weighted sum (0.02, 0.04).
    float[] next = scaffold.aggregateFit(1, state, new AggregatedUpdate(new float[] {0.4f, -0.8f, 0.02f, 0.04f}, 4, 2),
        List.of());
    // x += 0.5 (0.4, -0.8) / 4 = (0.05, -0.1); c += (2 / 4) (0.02, 0.04) / 4 / 0.1 = (0.025, 0.05)
    assertArrayEquals(new float[] {1.05f, 1.9f, 0.525f, -0.45f}, next, 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> scaffold.aggregateFit(1, state,
        new AggregatedUpdate(new float[] {1, 1}, 1, 2), List.of()));
    assertThrows(IllegalArgumentException.class, () -> new Scaffold(new FedAvg(
        new TrainingOptions(TrainingOptions.Optimizer.ADAM, 0.01, 1, 8, 0), 1, 1, 10), 4));
  }

  @Test
  void algorithmsNameTheirVectors() {
    assertEquals(Algorithm.FEDYOGI, Algorithm.parse(" FedYogi "));
    assertThrows(IllegalArgumentException.class, () -> Algorithm.parse("fedsgd"));
    assertEquals(30, Algorithm.FEDADAM.stateLength(10));
    assertEquals(20, Algorithm.SCAFFOLD.summedLength(10));
    assertEquals(10, Algorithm.SCAFFOLD.modelLength(20));
    assertThrows(IllegalArgumentException.class, () -> Algorithm.FEDADAM.modelLength(31));
    assertEquals("server.m [10] 10\nserver.v [10] 20\n", Algorithm.FEDADAM.stateManifest(10));
  }
}
