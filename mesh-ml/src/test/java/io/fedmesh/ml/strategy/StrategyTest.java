package io.fedmesh.ml.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StrategyTest {
  private final FedAvg fedAvg = new FedAvg(TrainingOptions.defaults(), 1.0, 1.0, 0);

  @Test
  void fedAvgMovesTheModelByTheWeightedMeanTimesTheServerRate() {
    float[] global = {1, 1};
    AggregatedUpdate sum = new AggregatedUpdate(new float[] {4, -2}, 4, 2);
    assertThat(fedAvg.aggregateFit(1, global, sum, List.of())).containsExactly(2f, 0.5f);
    FedAvg slow = new FedAvg(TrainingOptions.defaults(), 1.0, 0.5, 0);
    assertThat(slow.aggregateFit(1, global, sum, List.of())).containsExactly(1.5f, 0.75f);
    assertThat(fedAvg.aggregateFit(1, global, new AggregatedUpdate(new float[2], 0, 0), List.of())).containsExactly(1f, 1f);
  }

  @Test
  void fedAvgChoosesTheFractionAskedForAndFedProxSaysSo() {
    FedAvg half = new FedAvg(TrainingOptions.defaults().withProximalMu(0.1), 0.5, 1.0, 0);
    FitInstructions fit = half.configureFit(1, 10, new Random(1));
    assertThat(fit.participants()).hasSize(5).isSorted().doesNotHaveDuplicates();
    assertThat(half.describe()).contains("fedprox mu=0.1").contains("fraction=0.5");
    assertThatThrownBy(() -> new FedAvg(TrainingOptions.defaults(), 0, 1, 0)).hasMessageContaining("fraction");
  }

  /** Rounded float Gaussian: a stand-in for the exact sampler, which lives in mesh-crypto (tested there and in mesh-coordinator). */
  static IntegerNoise roundedGaussian(long seed) {
    Random r = new Random(seed);
    return (n, std) -> {
      long[] out = new long[n];
      for (int i = 0; i < n; i++) {
        out[i] = Math.round(r.nextGaussian() * std);
      }
      return out;
    };
  }

  @Test
  void centralDpSamplesByPoissonWeighsEveryoneOnceAndAddsNoiseOfSigmaTimesCOnTheIntegerGrid() {
    DpFixedClipping dp = DpFixedClipping.central(fedAvg, 1000, 2.0, 0.5, 0.1, roundedGaussian(7));
    FitInstructions fit = dp.configureFit(1, 1000, new Random(2));
    assertThat(fit.participants().size()).isBetween(70, 130);
    assertThat(fit.unitWeights()).isTrue();
    assertThat(fit.clipNorm()).isEqualTo(0.5);

    int m = 20_000;
    double step = 1.0 / 1024;
    float[] next = dp.aggregateFit(1, new float[m], new AggregatedUpdate(new float[m], 100, 100, new long[m], step), List.of());
    // The noise N(0, (2 * 0.5)^2) divided by q n = 100, and every noised sum a whole number of steps.
    double var = 0;
    for (float v : next) {
      var += v * v;
      double steps = v * 100 / step;
      assertThat(Math.abs(steps - Math.rint(steps))).isLessThan(1e-3);
    }
    assertThat(Math.sqrt(var / m)).isCloseTo(1.0 / 100, within(0.0005));
    assertThat(dp.describe()).startsWith("central-dp(");
    assertThatThrownBy(() -> dp.configureFit(1, 999, new Random(1))).hasMessageContaining("configured for 1000");
    assertThatThrownBy(() -> dp.aggregateFit(1, new float[2], new AggregatedUpdate(new float[2], 1, 1), List.of()))
        .hasMessageContaining("integer sum");
    assertThatThrownBy(() -> DpFixedClipping.central(fedAvg, 10, 1, 0, 0.1, roundedGaussian(1))).hasMessageContaining("clip");
    assertThatThrownBy(() -> DpFixedClipping.central(fedAvg, 10, 1, 1, 0.1, null)).hasMessageContaining("sampler");
    assertThatThrownBy(() -> new AggregatedUpdate(new float[2], 1, 1, new long[3], 1)).hasMessageContaining("length");
  }

  @Test
  void distributedDpAddsNothingAndAveragesByTheExpectedCohort() {
    DpFixedClipping dp = DpFixedClipping.distributed(fedAvg, 1000, 2.0, 0.5, 0.1);
    float[] next = dp.aggregateFit(1, new float[] {0, 0}, new AggregatedUpdate(new float[] {50, -100}, 37, 37), List.of());
    assertThat(next).containsExactly(0.5f, -1f);
    assertThat(dp.describe()).startsWith("distributed-dp(");
    assertThat(dp.central()).isFalse();
  }
}
