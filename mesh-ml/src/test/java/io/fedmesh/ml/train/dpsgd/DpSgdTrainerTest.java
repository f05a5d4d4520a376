package io.fedmesh.ml.train.dpsgd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** DP-SGD end to end on real DJL: against plain gradient descent, noise on empty batches, accounting, bad input. */
class DpSgdTrainerTest {
  private static final Dataset DATA = DpSgdFixtures.gaussian(120, 10, 3, 2);

  @Test
  void withoutNoiseOrClippingAndWithEveryExampleItIsPlainFullBatchGradientDescent() {
    for (TrainingOptions.Optimizer optimizer : TrainingOptions.Optimizer.values()) {
      for (PerExampleMethod method : new PerExampleMethod[] {PerExampleMethod.LINEAR_LAYERS, PerExampleMethod.MICRO_BATCH}) {
        double lr = optimizer == TrainingOptions.Optimizer.SGD ? 0.5 : 0.01;
        TrainingOptions options = new TrainingOptions(optimizer, lr, 3, DATA.size(), 0);
        float[] plain;
        float[] start;
        try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 3, 4)) {
          start = model.parameters();
          model.train(DATA, options, null, new Random(1));
          plain = model.parameters();
        }
        try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 3, 4)) {
          // sigma 0, C far above any gradient, q = B / N = 1: every step is the exact mean gradient.
          DpSgdResult r = DpSgdTrainer.train(model, DATA, options, new DpSgdOptions(1e6, 0, DATA.size()), null,
              AesCtrRandom.seeded(1), method);
          float[] dp = model.parameters();
          assertThat(r.steps()).isEqualTo(3);
          assertThat(r.training().examplesSeen()).isEqualTo(3L * DATA.size());
          double moved = 0;
          for (int i = 0; i < dp.length; i++) {
            moved = Math.max(moved, Math.abs(plain[i] - start[i]));
            assertThat(dp[i]).as("%s %s parameter %d", optimizer, method, i).isCloseTo(plain[i], within(2e-5f));
          }
          assertThat(moved).isGreaterThan(1e-3); // the comparison is not between two unmoved models
        }
      }
    }
  }

  @Test
  void fedProxPullsAsInThePlainTrainer() {
    // FedProx's mu (w - w_global) is added after the noise and must not be divided by B with the sum.
    TrainingOptions options = new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.5, 3, DATA.size(), 2.0);
    float[] plain;
    float[] dp;
    try (LocalModel model = new LocalModel(ModelSpec.logistic(), DATA.sampleShape(), 3, 6)) {
      float[] global = model.parameters();
      global[0] += 1; // a center away from the start, so the pull is large
      model.train(DATA, options, global, new Random(1));
      plain = model.parameters();
    }
    try (LocalModel model = new LocalModel(ModelSpec.logistic(), DATA.sampleShape(), 3, 6)) {
      float[] global = model.parameters();
      global[0] += 1;
      DpSgdTrainer.train(model, DATA, options, new DpSgdOptions(1e6, 0, DATA.size()), global, AesCtrRandom.seeded(1));
      dp = model.parameters();
    }
    for (int i = 0; i < dp.length; i++) {
      assertThat(dp[i]).as("parameter %d", i).isCloseTo(plain[i], within(2e-5f));
    }
  }

  @Test
  void anEmptyBatchStillGetsTheFullNoise() {
    // q = 10 / 20, and a generator whose uniforms are all just below 1: every gap is longer than the data,
    // so both steps of the epoch sample nothing. The Gaussians come from a seeded AES-CTR stream.
    RandomGenerator emptyBatches = new RandomGenerator() {
      private final AesCtrRandom gaussians = AesCtrRandom.seeded(9);

      @Override
      public long nextLong() {
        return gaussians.nextLong();
      }

      @Override
      public double nextDouble() {
        return Math.nextDown(1.0);
      }
    };
    Dataset data = DpSgdFixtures.gaussian(20, 60, 10, 3);
    double lr = 0.5;
    DpSgdOptions dp = new DpSgdOptions(2.0, 1.5, 10);
    try (LocalModel model = new LocalModel(ModelSpec.logistic(), data.sampleShape(), 10, 1)) {
      float[] before = model.parameters();
      DpSgdResult r = DpSgdTrainer.train(model, data, new TrainingOptions(TrainingOptions.Optimizer.SGD, lr, 1, 1, 0), dp, null,
          emptyBatches);
      float[] after = model.parameters();
      assertThat(r.training().examplesSeen()).isZero();
      assertThat(r.steps()).isEqualTo(2);
      // Two steps of -lr * N(0, (sigma C)^2) / B: the same spread as with a full batch, so an observer
      // of the weights cannot tell that no example was drawn.
      double expected = lr * dp.noiseMultiplier() * dp.clipNorm() * Math.sqrt(2) / dp.expectedBatchSize();
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < after.length; i++) {
        double d = after[i] - before[i];
        sum += d;
        squares += d * d;
      }
      int n = after.length; // 610 parameters
      double mean = sum / n;
      double std = Math.sqrt(squares / n - mean * mean);
      assertThat(mean).isCloseTo(0, within(4 * expected / Math.sqrt(n)));
      assertThat(std).isCloseTo(expected, within(0.1 * expected));
    }
  }

  @Test
  void theBudgetSpentIsTheAccountantsForTheExpectedBatchRateAndTheStepsTaken() {
    // N = 120, B = 32: q = 32 / 120, ceil(120 / 32) = 4 steps an epoch, 2 epochs = 8 steps.
    DpSgdOptions dp = new DpSgdOptions(1.0, 1.1, 32);
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 3, 1)) {
      DpSgdResult r = DpSgdTrainer.train(model, DATA, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 2, 64, 0), dp,
          null, AesCtrRandom.seeded(2));
      assertThat(r.samplingRate()).isEqualTo(32.0 / 120);
      assertThat(r.steps()).isEqualTo(8);
      assertThat(dp.stepsPerEpoch(120)).isEqualTo(4);
      assertThat(r.spent()).isEqualTo(RdpAccountant.sampledGaussian(32.0 / 120, 1.1, 8));
      assertThat(r.epsilon(1e-5).epsilon()).isEqualTo(RdpAccountant.epsilon(32.0 / 120, 1.1, 8, 1e-5).epsilon());
      assertThat(r.epsilon(1e-5).epsilon()).isBetween(1.0, 20.0);
    }
    // The exact-multiple case: N = 120, B = 40 is 3 steps an epoch.
    assertThat(new DpSgdOptions(1, 1, 40).stepsPerEpoch(120)).isEqualTo(3);
  }

  @Test
  void withModerateNoiseItStillLearns() {
    Dataset train = DpSgdFixtures.gaussian(2000, 10, 3, 11);
    Dataset test = DpSgdFixtures.gaussian(600, 10, 3, 12);
    try (LocalModel model = new LocalModel(ModelSpec.mlp(16), train.sampleShape(), 3, 1)) {
      double before = model.evaluate(test).accuracy();
      DpSgdResult r = DpSgdTrainer.train(model, train, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.5, 3, 64, 0),
          new DpSgdOptions(1.0, 1.0, 100), null, AesCtrRandom.seeded(3));
      assertThat(model.evaluate(test).accuracy()).isGreaterThan(0.7).isGreaterThan(before + 0.2);
      assertThat(r.epsilon(1e-5).epsilon()).isLessThan(10);
      assertThat(r.training().lastEpochLoss()).isFinite();
    }
  }

  @Test
  void badSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new DpSgdOptions(0, 1, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip norm");
    assertThatThrownBy(() -> new DpSgdOptions(-1, 1, 10)).hasMessageContaining("clip norm");
    assertThatThrownBy(() -> new DpSgdOptions(Double.NaN, 1, 10)).hasMessageContaining("clip norm");
    assertThatThrownBy(() -> new DpSgdOptions(Double.POSITIVE_INFINITY, 1, 10)).hasMessageContaining("clip norm");
    assertThatThrownBy(() -> new DpSgdOptions(1, Double.NaN, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise multiplier");
    assertThatThrownBy(() -> new DpSgdOptions(1, -0.5, 10)).hasMessageContaining("noise multiplier");
    assertThatThrownBy(() -> new DpSgdOptions(1, Double.POSITIVE_INFINITY, 10)).hasMessageContaining("noise multiplier");
    assertThatThrownBy(() -> new DpSgdOptions(1, 1, 0)).hasMessageContaining("expected batch size");
    // q = B / N outside (0, 1]: more expected examples than data, or no data at all.
    assertThatThrownBy(() -> new DpSgdOptions(1, 1, 121).samplingRate(120)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("above 1");
    assertThatThrownBy(() -> new DpSgdOptions(1, 1, 1).samplingRate(0)).hasMessageContaining("N = 0");
    assertThatThrownBy(() -> PoissonSampler.sample(10, 0, AesCtrRandom.seeded(1), new int[10])).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> PoissonSampler.sample(10, 1.5, AesCtrRandom.seeded(1), new int[10])).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> PoissonSampler.sample(10, Double.NaN, AesCtrRandom.seeded(1), new int[10])).hasMessageContaining("(0, 1]");
    TrainingOptions options = new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 64, 0);
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 3, 1)) {
      float[] before = model.parameters();
      assertThatThrownBy(() -> DpSgdTrainer.train(model, DATA, options, new DpSgdOptions(1, 1, 500), null, AesCtrRandom.seeded(1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("500 / 120");
      assertThatThrownBy(() -> DpSgdTrainer.train(model, DATA, options.withProximalMu(0.1), new DpSgdOptions(1, 1, 10), null,
          AesCtrRandom.seeded(1))).hasMessageContaining("FedProx");
      assertThat(model.parameters()).containsExactly(before); // refused before any step
    }
  }
}
