package io.fedmesh.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.model.ParameterLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FedPer's participant side with real DJL training: private layers are trained, kept, and never in the update. */
class PersonalisationTest {
  private static final Dataset DATA = new SyntheticFraud(3, 11).all(400, 0);
  private static final TrainingOptions OPTIONS = new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 32, 0);

  private static String lastLayer(ParameterLayout layout) {
    String name = layout.entries().get(layout.entries().size() - 1).name();
    return name.substring(0, name.indexOf('_'));
  }

  @Test
  void theUpdateIsZeroOnPrivateLayersAndThePersonalModelKeepsThem() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 2, 1)) {
      PrivateLayers head = PrivateLayers.of(model.layout(), List.of(lastLayer(model.layout())));
      assertThat(head.names()).hasSize(2); // weight and bias
      float[] global = model.parameters();
      float[] own = global.clone();
      for (int i = 0; i < own.length; i++) {
        if (head.isPrivate(i)) {
          own[i] = 0.5f + 0.05f * (i % 7); // this participant's earlier private layers (not all equal: that zeroes gradients)
        }
      }
      ParticipantStep.PersonalContribution p = ParticipantStep.runPersonal(model, global, own, head, DATA, OPTIONS, null,
          0.05, false, new Random(1), () -> 0);
      float[] update = p.contribution().update();
      double shared = 0;
      double fromOwn = 0;
      double fromGlobal = 0;
      for (int i = 0; i < update.length; i++) {
        if (head.isPrivate(i)) {
          assertThat(update[i]).as("private coordinate " + i).isZero();
          fromOwn += Math.abs(p.personalModel()[i] - own[i]);
          fromGlobal += Math.abs(p.personalModel()[i] - global[i]);
        } else {
          shared += (double) update[i] * update[i];
        }
      }
      // The private layers trained from this participant's own values, not from the global ones.
      assertThat(fromOwn).isLessThan(fromGlobal / 2);
      // The whole clip goes to the shared layers (zeroed before clipping, not after).
      assertThat(Math.sqrt(shared)).isCloseTo(0.05, within(1e-5));
    }
  }

  @Test
  void personalisingMergesTheOwnLayersAndFineTunes() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 2, 1)) {
      PrivateLayers head = PrivateLayers.of(model.layout(), List.of(lastLayer(model.layout())));
      float[] global = model.parameters();
      float[] own = new float[global.length];
      float[] merged = ParticipantStep.personalise(model, global, own, head, DATA, OPTIONS, 0, new Random(1));
      for (int i = 0; i < global.length; i++) {
        assertThat(merged[i]).isEqualTo(head.isPrivate(i) ? 0f : global[i]);
      }
      float[] tuned = ParticipantStep.personalise(model, global, null, null, DATA, OPTIONS, 2, new Random(1));
      assertThat(tuned).isNotEqualTo(global);
      assertThat(model.evaluate(DATA).loss()).isLessThan(evaluate(model, global, DATA));
    }
  }

  private static double evaluate(LocalModel model, float[] params, Dataset data) {
    float[] keep = model.parameters();
    model.setParameters(params);
    double loss = model.evaluate(data).loss();
    model.setParameters(keep);
    return loss;
  }

  @Test
  void aPrefixThatNamesNothingOrEverythingIsRefused() {
    try (LocalModel model = new LocalModel(ModelSpec.mlp(8), DATA.sampleShape(), 2, 1)) {
      assertThatThrownBy(() -> PrivateLayers.of(model.layout(), List.of("head")))
          .hasMessageContaining("private layer 'head' names no parameter").hasMessageContaining("_weight");
      assertThatThrownBy(() -> PrivateLayers.of(model.layout(), List.of("0")))
          .hasMessageContaining("nothing would be shared");
      assertThatThrownBy(() -> new Personalisation(List.of(" "), 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new Personalisation(List.of(), -1)).isInstanceOf(IllegalArgumentException.class);
      assertThat(Personalisation.none().enabled()).isFalse();
      assertThat(new Personalisation(List.of(), 1).enabled()).isTrue();
    }
  }
}
