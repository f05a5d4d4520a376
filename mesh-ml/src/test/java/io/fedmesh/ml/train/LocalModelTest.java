package io.fedmesh.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.eval.Metrics;
import io.fedmesh.ml.model.ModelSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Real DJL training on small synthetic data. */
class LocalModelTest {
  private static final SyntheticFraud WORLD = new SyntheticFraud(3, 11);
  private static final Dataset TRAIN = WORLD.all(1500, 0);
  private static final Dataset TEST = WORLD.all(800, 1);

  @Test
  void trainingAnMlpLearnsToRankFraudAboveLegitimateTransactions() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(32), TRAIN.sampleShape(), 2, 1)) {
      Metrics before = model.evaluate(TEST);
      LocalModel.TrainingResult result = model.train(TRAIN,
          new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 3, 64, 0), null, new Random(1));
      Metrics after = model.evaluate(TEST);

      assertThat(result.examplesSeen()).isEqualTo(3L * TRAIN.size());
      assertThat(after.loss()).isLessThan(before.loss());
      assertThat(after.auc()).isGreaterThan(0.9).isGreaterThan(before.auc());
      assertThat(after.accuracy()).isGreaterThan(0.95);
    }
  }

  @Test
  void parametersRoundTripAndTheSameSeedGivesTheSameModel() {
    try (LocalModel a = new LocalModel(ModelSpec.mlp(8), new int[] {12}, 2, 5);
        LocalModel b = new LocalModel(ModelSpec.mlp(8), new int[] {12}, 2, 5)) {
      // 12x8 weights + 8 biases, then 8x2 + 2.
      assertThat(a.layout().size()).isEqualTo(12 * 8 + 8 + 8 * 2 + 2);
      assertThat(a.parameters()).containsExactly(b.parameters());
      float[] p = a.parameters();
      p[0] = 0.5f;
      b.setParameters(p);
      assertThat(b.parameters()).containsExactly(p);
      assertThat(a.layout().manifest()).contains("weight [8, 12] 0").contains("bias [8] 96");
      assertThatThrownBy(() -> b.setParameters(new float[3])).isInstanceOf(IllegalArgumentException.class);
      p[1] = Float.NaN;
      assertThatThrownBy(() -> b.setParameters(p)).hasMessageContaining("NaN");
    }
  }

  @Test
  void theProximalTermKeepsLocalWeightsNearTheGlobalModel() {
    double[] drift = new double[2];
    double[] mus = {0, 5};
    for (int i = 0; i < 2; i++) {
      try (LocalModel model = new LocalModel(ModelSpec.mlp(16), TRAIN.sampleShape(), 2, 3)) {
        float[] global = model.parameters();
        model.train(TRAIN, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 2, 32, mus[i]), global, new Random(2));
        float[] local = model.parameters();
        for (int j = 0; j < local.length; j++) {
          local[j] -= global[j];
        }
        drift[i] = UpdateClipping.norm(local);
      }
    }
    assertThat(drift[1]).isLessThan(drift[0] * 0.5);
  }

  @Test
  void adamTrainsToo() {
    try (LocalModel model = new LocalModel(ModelSpec.logistic(), TRAIN.sampleShape(), 2, 1)) {
      model.train(TRAIN, new TrainingOptions(TrainingOptions.Optimizer.ADAM, 0.01, 2, 64, 0), null, new Random(1));
      assertThat(model.evaluate(TEST).auc()).isGreaterThan(0.9);
    }
  }
}
