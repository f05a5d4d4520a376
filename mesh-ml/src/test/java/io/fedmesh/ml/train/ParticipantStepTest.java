package io.fedmesh.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.model.ModelSpec;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A participant's step with real DJL training: the update is trained minus global, clipped, and weighted. */
class ParticipantStepTest {
  private static final Dataset DATA = new SyntheticFraud(3, 11).all(600, 0);
  private static final TrainingOptions OPTIONS = new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 64, 0);

  @Test
  void theUpdateIsWhatTrainingMovedTheGlobalModelByAndTheWeightIsTheLocalData() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(16), DATA.sampleShape(), 2, 1)) {
      float[] global = model.parameters();
      AtomicLong now = new AtomicLong();
      ParticipantStep.Contribution c = ParticipantStep.run(model, global, DATA, OPTIONS, 0, false, new Random(1),
          () -> now.getAndAdd(1_000));

      float[] trained = model.parameters();
      for (int i = 0; i < global.length; i++) {
        assertThat(c.update()[i]).isCloseTo(trained[i] - global[i], within(1e-6f));
      }
      assertThat(UpdateClipping.norm(c.update())).isPositive();
      assertThat(c.weight()).isEqualTo(DATA.size());
      assertThat(c.examples()).isEqualTo(DATA.size());
      assertThat(c.trainingNanos()).isEqualTo(1_000);
      assertThat(c.lastEpochLoss()).isFinite();
    }
  }

  @Test
  void aClippedUpdateHasAtMostTheClipNormAndUnitWeightsWeighOne() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(16), DATA.sampleShape(), 2, 1)) {
      float[] global = model.parameters();
      ParticipantStep.Contribution free = ParticipantStep.run(model, global, DATA, OPTIONS, 0, false, new Random(1), () -> 0);
      double clip = UpdateClipping.norm(free.update()) / 4;
      ParticipantStep.Contribution clipped = ParticipantStep.run(model, global, DATA, OPTIONS, clip, true, new Random(1), () -> 0);

      assertThat(UpdateClipping.norm(clipped.update())).isCloseTo(clip, within(clip * 1e-4));
      assertThat(clipped.weight()).isEqualTo(1);
      // Same seed, same start: the clipped update points the way the free one does.
      for (int i = 0; i < global.length; i++) {
        assertThat(clipped.update()[i]).isCloseTo(free.update()[i] / 4, within(1e-5f));
      }
    }
  }

  @Test
  void aBadClipNormOrAGlobalModelOfTheWrongSizeIsRefused() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 2, 1)) {
      float[] global = model.parameters();
      assertThatThrownBy(() -> ParticipantStep.run(model, global, DATA, OPTIONS, Double.NaN, false, new Random(1), () -> 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip norm");
      assertThatThrownBy(() -> ParticipantStep.run(model, new float[3], DATA, OPTIONS, 0, false, new Random(1), () -> 0))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A diverging learning rate gives a non-finite update: refused before clipping would hide it as NaN. */
  @Test
  void aNonFiniteUpdateIsRefusedBeforeClipping() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(16), DATA.sampleShape(), 2, 1)) {
      float[] global = model.parameters();
      TrainingOptions diverging = new TrainingOptions(TrainingOptions.Optimizer.SGD, 1e30, 1, 64, 0);
      assertThatThrownBy(() -> ParticipantStep.run(model, global, DATA, diverging, 1.0, false, new Random(1), () -> 0))
          .isInstanceOf(NonFiniteUpdateException.class).hasMessageContaining("training diverged");
    }
  }
}
