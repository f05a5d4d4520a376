package io.fedmesh.ml.train.dpsgd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-layer per-example method against the micro-batch-of-one reference, on real DJL. */
class PerExampleGradientsTest {
  private static final Dataset DATA = DpSgdFixtures.gaussian(40, 12, 3, 7);

  @Test
  void theLinearLayerClippedSumEqualsTheMicroBatchReference() {
    List<ModelSpec> specs = List.of(ModelSpec.logistic(), ModelSpec.mlp(16, 8),
        new ModelSpec(ModelSpec.Type.MLP, List.of(10), ModelSpec.Act.TANH, 0, List.of()),
        new ModelSpec(ModelSpec.Type.MLP, List.of(10), ModelSpec.Act.GELU, 0, List.of()),
        new ModelSpec(ModelSpec.Type.MLP, List.of(10), ModelSpec.Act.SIGMOID, 0, List.of()));
    for (ModelSpec spec : specs) {
      try (LocalModel model = new LocalModel(spec, DATA.sampleShape(), 3, 3);
          NDManager step = model.manager().newSubManager()) {
        // Ordinary training first: whatever it leaves in the parameters' gradient buffers must not leak in.
        model.train(DATA, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 16, 0), null, new java.util.Random(1));
        NDArray x = features(step, DATA);
        int[] labels = DATA.labels();
        // A clip norm near the median example norm, so some examples are scaled and some are not.
        float[][] unclipped = micro(model).clippedPerExample(step, x, labels, 1e9);
        double[] norms = Arrays.stream(unclipped).mapToDouble(DpSgdFixtures::norm).sorted().toArray();
        double clip = norms[norms.length / 2];
        assertThat(norms[0]).isLessThan(clip);
        assertThat(norms[norms.length - 1]).isGreaterThan(clip);

        float[] fast = flat(fast(model).clippedSum(step, x, labels, clip).sums());
        float[] reference = flat(micro(model).clippedSum(step, x, labels, clip).sums());
        assertThat(fast).hasSize(model.layout().size());
        assertClose(fast, reference, spec.describe());

        float[][] fastEach = fast(model).clippedPerExample(step, x, labels, clip);
        float[][] referenceEach = micro(model).clippedPerExample(step, x, labels, clip);
        for (int i = 0; i < labels.length; i++) {
          assertClose(fastEach[i], referenceEach[i], spec.describe() + " example " + i);
        }
      }
    }
  }

  @Test
  void clippedExampleGradientsNeverExceedTheClipNormEvenForHugeGradients() {
    Dataset data = DpSgdFixtures.scaleRow(DpSgdFixtures.scaleRow(DATA, 3, 1e4f), 17, 1e6f);
    double clip = 0.5;
    try (LocalModel model = new LocalModel(ModelSpec.mlp(16), data.sampleShape(), 3, 5);
        NDManager step = model.manager().newSubManager()) {
      NDArray x = features(step, data);
      for (PerExampleGradients method : List.of(fast(model), micro(model))) {
        float[][] unclipped = method.clippedPerExample(step, x, data.labels(), 1e30);
        assertThat(DpSgdFixtures.norm(unclipped[17])).isGreaterThan(1e3 * clip);
        float[][] each = method.clippedPerExample(step, x, data.labels(), clip);
        for (int i = 0; i < each.length; i++) {
          double norm = DpSgdFixtures.norm(each[i]);
          assertThat(norm).as("example %d", i).isLessThanOrEqualTo(clip * (1 + 1e-5));
          if (DpSgdFixtures.norm(unclipped[i]) > clip) {
            // Scaled down to the bound, not zeroed or dropped: its direction still counts.
            assertThat(norm).as("example %d", i).isCloseTo(clip, org.assertj.core.data.Offset.offset(clip * 1e-5));
          }
        }
        // And the sum is the sum of those vectors, so its norm is at most rows * C.
        assertThat(DpSgdFixtures.norm(flat(method.clippedSum(step, x, data.labels(), clip).sums())))
            .isLessThanOrEqualTo(data.size() * clip * (1 + 1e-5));
      }
    }
  }

  @Test
  void theMicroBatchMethodTakesAnyModelAndTheFastOneRefusesWhatItCannotDo() {
    ModelSpec cnn = new ModelSpec(ModelSpec.Type.CNN, List.of(4), ModelSpec.Act.RELU, 0.25, List.of(2));
    float[] pixels = new float[6 * 28 * 28];
    java.util.SplittableRandom random = new java.util.SplittableRandom(1);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextGaussian();
    }
    Dataset images = new Dataset(pixels, new int[] {0, 1, 2, 0, 1, 2}, new int[] {1, 28, 28}, 3);
    try (LocalModel model = new LocalModel(cnn, images.sampleShape(), 3, 1);
        NDManager step = model.manager().newSubManager()) {
      assertThat(LinearLayerGradients.supports(cnn)).isFalse();
      assertThat(DpSgdTrainer.gradients(model, PerExampleMethod.AUTO)).isInstanceOf(MicroBatchGradients.class);
      assertThatThrownBy(() -> DpSgdTrainer.gradients(model, PerExampleMethod.LINEAR_LAYERS))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("micro-batch");
      float[][] each = micro(model).clippedPerExample(step, features(step, images), images.labels(), 0.1);
      for (float[] g : each) {
        assertThat(g).hasSize(model.layout().size());
        assertThat(DpSgdFixtures.norm(g)).isLessThanOrEqualTo(0.1 * (1 + 1e-5)).isGreaterThan(0);
      }
    }
    assertThat(LinearLayerGradients.supports(new ModelSpec(ModelSpec.Type.MLP, List.of(8), ModelSpec.Act.RELU, 0.1, List.of())))
        .isFalse();
  }

  private static PerExampleGradients fast(LocalModel model) {
    return DpSgdTrainer.gradients(model, PerExampleMethod.LINEAR_LAYERS);
  }

  private static PerExampleGradients micro(LocalModel model) {
    return DpSgdTrainer.gradients(model, PerExampleMethod.MICRO_BATCH);
  }

  private static NDArray features(NDManager manager, Dataset data) {
    int[] all = new int[data.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    float[] x = new float[data.size() * data.width()];
    data.copyRows(all, 0, all.length, x);
    long[] dims = new long[data.sampleShape().length + 1];
    dims[0] = data.size();
    for (int i = 0; i < data.sampleShape().length; i++) {
      dims[i + 1] = data.sampleShape()[i];
    }
    return manager.create(x, new Shape(dims));
  }

  private static float[] flat(NDList arrays) {
    NDList flat = new NDList();
    for (NDArray a : arrays) {
      flat.add(a.flatten());
    }
    return NDArrays.concat(flat).toFloatArray();
  }

  /** Equal up to float rounding: 1e-4 of the vector's largest entry, per coordinate. */
  private static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    float scale = 0;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    assertThat(scale).as(what).isGreaterThan(0);
    for (int i = 0; i < actual.length; i++) {
      assertThat(Math.abs(actual[i] - expected[i])).as("%s coordinate %d", what, i).isLessThanOrEqualTo(1e-4f * scale);
    }
  }
}
