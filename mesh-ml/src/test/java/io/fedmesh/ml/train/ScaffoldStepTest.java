package io.fedmesh.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.model.ModelSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SCAFFOLD's client step with real DJL training. With one full-batch step (K = 1) everything is
 * checkable by hand: y = x - eta (g(x) + c - c_i), so the corrected delta differs from plain SGD's by
 * exactly -eta (c - c_i), and the new control variate c_i+ = c_i - c + (x - y) / eta is g(x) itself.
 */
class ScaffoldStepTest {
  private static final Dataset DATA = new SyntheticFraud(3, 11).all(600, 0);
  private static final double ETA = 0.1;
  private static final TrainingOptions ONE_STEP = new TrainingOptions(TrainingOptions.Optimizer.SGD, ETA, 1, DATA.size(), 0);

  @Test
  void oneFullBatchStepMatchesTheHandComputation() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(4), DATA.sampleShape(), 2, 3)) {
      float[] x = model.parameters();
      int n = x.length;
      float[] c = new float[n];
      float[] ci = new float[n];
      Random r = new Random(9);
      for (int i = 0; i < n; i++) {
        c[i] = (float) (r.nextGaussian() * 0.05);
        ci[i] = (float) (r.nextGaussian() * 0.05);
      }
      ParticipantStep.Contribution plain = ParticipantStep.run(model, x, DATA, ONE_STEP, 0, true, new Random(1), () -> 0);
      ParticipantStep.ScaffoldContribution s = ParticipantStep.runScaffold(model, x, c, ci, DATA, ONE_STEP, 1e3, true,
          new Random(1), () -> 0);

      float[] summed = s.contribution().update();
      assertThat(summed).hasSize(2 * n);
      for (int i = 0; i < n; i++) {
        double gradient = -plain.update()[i] / ETA;
        // dy = -eta (g + c - c_i)
        assertThat((double) summed[i]).isCloseTo(plain.update()[i] - ETA * (c[i] - ci[i]), within(1e-5));
        // c_i+ = g(x), and the summed control delta is s (c_i+ - c_i) with s = eta
        assertThat((double) s.clientControl()[i]).isCloseTo(gradient, within(1e-4));
        assertThat((double) summed[n + i]).isCloseTo(ETA * (gradient - ci[i]), within(1e-5));
      }
      assertThat(s.contribution().weight()).isEqualTo(1);
    }
  }

  @Test
  void bothHalvesAreClippedAndTheKeptControlIsTheClippedOne() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 2, 3)) {
      float[] x = model.parameters();
      int n = x.length;
      float[] c = new float[n];
      java.util.Arrays.fill(c, 0.5f);
      TrainingOptions options = new TrainingOptions(TrainingOptions.Optimizer.SGD, ETA, 1, 32, 0);
      float[] free = ParticipantStep.runScaffold(model, x, c, null, DATA, options, 1e3, false, new Random(1), () -> 0)
          .contribution().update();
      double clip = Math.min(UpdateClipping.norm(java.util.Arrays.copyOfRange(free, 0, n)),
          UpdateClipping.norm(java.util.Arrays.copyOfRange(free, n, 2 * n))) / 4;
      ParticipantStep.ScaffoldContribution s = ParticipantStep.runScaffold(model, x, c, null, DATA, options, clip, false,
          new Random(1), () -> 0);
      float[] summed = s.contribution().update();
      float[] dy = java.util.Arrays.copyOfRange(summed, 0, n);
      float[] dc = java.util.Arrays.copyOfRange(summed, n, 2 * n);
      assertThat(UpdateClipping.norm(dy)).isCloseTo(clip, within(clip * 1e-4));
      assertThat(UpdateClipping.norm(dc)).isCloseTo(clip, within(clip * 1e-4));
      for (int i = 0; i < n; i++) {
        assertThat((double) s.clientControl()[i]).isCloseTo(dc[i] / ETA, within(1e-5)); // c_i was zero
      }
      assertThat(s.contribution().weight()).isEqualTo(DATA.size());
    }
  }

  @Test
  void controlVariatesOfTheWrongSizeOrNoClipAreRefused() {
    try (LocalModel model = new LocalModel(ModelSpec.logistic(), DATA.sampleShape(), 2, 3)) {
      float[] x = model.parameters();
      assertThatThrownBy(() -> ParticipantStep.runScaffold(model, x, new float[x.length + 1], null, DATA, ONE_STEP, 1, true,
          new Random(1), () -> 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control variates");
      assertThatThrownBy(() -> ParticipantStep.runScaffold(model, x, new float[x.length], null, DATA, ONE_STEP, 0, true,
          new Random(1), () -> 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip");
    }
  }
}
