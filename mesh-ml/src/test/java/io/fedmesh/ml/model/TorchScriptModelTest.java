package io.fedmesh.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.eval.Metrics;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.ParticipantStep;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.ml.train.dpsgd.AesCtrRandom;
import io.fedmesh.ml.train.dpsgd.DpSgdOptions;
import io.fedmesh.ml.train.dpsgd.DpSgdResult;
import io.fedmesh.ml.train.dpsgd.DpSgdTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bring-your-own models: a module exported by the real PyTorch ({@link PyTorchExport}), loaded, checked
 * against PyTorch's own answers, and trained by DJL; and every way a wrong file is refused.
 */
class TorchScriptModelTest {
  private static final int WIDTH = SyntheticFraud.FEATURES;
  private static final String OTHER_HASH = "0".repeat(64);

  @TempDir
  Path dir;

  @Test
  void aScriptedModuleHasPyTorchsParametersAndGivesPyTorchsOutputs() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    ModelSpec spec = ModelSpec.parse("torchscript:" + pt.file() + "#" + pt.sha256());

    try (LocalModel model = new LocalModel(spec, new int[] {WIDTH}, 2, 1)) {
      assertThat(model.layout().size()).isEqualTo(pt.parameterCount()).isEqualTo(WIDTH * 16 + 16 + 16 * 2 + 2);
      assertThat(model.layout().entries().stream().map(ParameterLayout.Entry::name).toList())
          .containsExactly(pt.parameterNames().split(","));
      assertThat(model.layout().manifest()).startsWith("fc1.weight [16, " + WIDTH + "] 0\n");
      assertThat(logits(model, probe())).containsExactly(pt.probeOutput(), within(1e-5f));
    }
  }

  @Test
  void aTracedModuleLoadsToo() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "traced.pt", WIDTH, PyTorchExport.mlp(2), true);
    try (LocalModel model = new LocalModel(ModelSpec.torchScript(pt.file(), pt.sha256()), new int[] {WIDTH}, 2, 1)) {
      assertThat(model.layout().size()).isEqualTo(pt.parameterCount());
      assertThat(logits(model, probe())).containsExactly(pt.probeOutput(), within(1e-5f));
    }
  }

  @Test
  void djlTrainsTheModuleThroughTheUsualPathAndItsFlatVectorRoundTrips() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    Dataset train = separable(600, 1);
    Dataset test = separable(400, 2);
    try (LocalModel model = new LocalModel(ModelSpec.torchScript(pt.file(), pt.sha256()), new int[] {WIDTH}, 2, 1)) {
      float[] initial = model.parameters();
      Metrics before = model.evaluate(test);
      LocalModel.TrainingResult first = model.train(train, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 32, 0),
          null, new Random(1));
      LocalModel.TrainingResult later = model.train(train, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 3, 32, 0),
          null, new Random(2));
      Metrics after = model.evaluate(test);

      assertThat(later.lastEpochLoss()).isLessThan(first.lastEpochLoss());
      assertThat(after.loss()).isLessThan(before.loss());
      assertThat(after.accuracy()).isGreaterThan(0.95).isGreaterThan(before.accuracy());

      // Setting the file's own weights back gives the file's outputs again: the vector is the whole model.
      float[] trained = model.parameters();
      assertThat(trained).isNotEqualTo(initial);
      model.setParameters(initial);
      assertThat(model.parameters()).containsExactly(initial);
      assertThat(logits(model, probe())).containsExactly(pt.probeOutput(), within(1e-5f));
      model.setParameters(trained);
      assertThat(model.evaluate(test).loss()).isCloseTo(after.loss(), within(1e-6));
    }
  }

  @Test
  void theFilesWeightsAreTheInitialModelWhateverTheSeed() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    ModelSpec spec = ModelSpec.torchScript(pt.file(), pt.sha256());
    try (LocalModel a = new LocalModel(spec, new int[] {WIDTH}, 2, 1);
        LocalModel b = new LocalModel(spec, new int[] {WIDTH}, 2, 999)) {
      assertThat(a.parameters()).containsExactly(b.parameters());
    }
  }

  @Test
  void aParticipantsStepSendsAnUpdateOfTheModulesLayoutSize() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    Dataset data = new SyntheticFraud(3, 11).all(300, 0);
    try (LocalModel model = new LocalModel(ModelSpec.torchScript(pt.file(), pt.sha256()), data.sampleShape(), 2, 1)) {
      float[] global = model.parameters();
      ParticipantStep.Contribution c = ParticipantStep.run(model, global, data,
          new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.05, 1, 64, 0), 1.0, false, new Random(1), () -> 0);

      assertThat(c.update()).hasSize(model.layout().size());
      assertThat(c.update().length).isEqualTo(pt.parameterCount());
      assertThat(io.fedmesh.ml.train.UpdateClipping.norm(c.update())).isPositive().isLessThanOrEqualTo(1.0 + 1e-6);
      assertThat(c.weight()).isEqualTo(data.size());
    }
  }

  @Test
  void dpSgdTrainsItByMicroBatchesAndWithoutNoiseOrClippingItIsFullBatchGradientDescent() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    ModelSpec spec = ModelSpec.torchScript(pt.file(), pt.sha256());
    Dataset data = separable(40, 4);
    TrainingOptions options = new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.5, 2, data.size(), 0);
    float[] start;
    float[] plain;
    try (LocalModel model = new LocalModel(spec, new int[] {WIDTH}, 2, 1)) {
      start = model.parameters();
      model.train(data, options, null, new Random(1));
      plain = model.parameters();
    }
    try (LocalModel model = new LocalModel(spec, new int[] {WIDTH}, 2, 1)) {
      // AUTO picks per-example micro-batches: the per-layer method knows only our own logistic and MLP blocks.
      // sigma 0, C far above any gradient, q = B / N = 1: every step is the exact mean gradient.
      DpSgdResult r = DpSgdTrainer.train(model, data, options, new DpSgdOptions(1e6, 0, data.size()), null, AesCtrRandom.seeded(1));
      assertThat(r.steps()).isEqualTo(2);
      float[] dp = model.parameters();
      double moved = 0;
      for (int i = 0; i < dp.length; i++) {
        moved = Math.max(moved, Math.abs(plain[i] - start[i]));
        assertThat(dp[i]).as("parameter %d", i).isCloseTo(plain[i], within(2e-5f));
      }
      assertThat(moved).isGreaterThan(1e-3);
    }
  }

  @Test
  void describeNamesTheHashNotThePathSoCopiesAgreeAndOtherFilesDoNot() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Files.copy(pt.file(), elsewhere.resolve("renamed.pt"));
    // The JSON form's file is relative to the JSON file's directory; the short form's to the base given.
    Path json = Files.writeString(elsewhere.resolve("model.json"),
        "{\"type\": \"torchscript\", \"file\": \"renamed.pt\", \"sha256\": \"" + pt.sha256().toUpperCase() + "\"}");

    ModelSpec here = ModelSpec.parse("torchscript:net.pt#" + pt.sha256(), dir);
    ModelSpec there = ModelSpec.parse(json.toString());
    assertThat(here.describe()).isEqualTo("torchscript sha256=" + pt.sha256()).isEqualTo(there.describe());
    assertThat(there.torchScript().file()).isEqualTo(elsewhere.resolve("renamed.pt"));

    PyTorchExport.Exported other = PyTorchExport.export(dir, "other.pt", WIDTH, PyTorchExport.mlp(2).replace("16", "8"), false);
    assertThat(other.sha256()).isNotEqualTo(pt.sha256());
    assertThat(ModelSpec.torchScript(other.file(), other.sha256()).describe()).isNotEqualTo(here.describe());
  }

  @Test
  void aFileWhoseHashIsNotTheGivenOneIsRefusedBeforeLibtorchSeesIt() throws Exception {
    // Not TorchScript at all: had it reached libtorch, the error would be libtorch's, not the hash's.
    Path junk = Files.writeString(dir.resolve("junk.pt"), "print('hello')\n");
    String actual = TorchScriptFile.sha256Hex(Files.readAllBytes(junk));
    assertThatThrownBy(() -> ModelSpec.parse("torchscript:" + junk + "#" + OTHER_HASH))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("torchscript file " + junk + " has SHA-256 " + actual + ", expected " + OTHER_HASH
            + ": it is not the federation's model");

    // The file named in an agreed spec is swapped afterwards: loading checks again.
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "net.pt", WIDTH, PyTorchExport.mlp(2), false);
    ModelSpec spec = ModelSpec.torchScript(pt.file(), pt.sha256());
    Files.copy(junk, pt.file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> new LocalModel(spec, new int[] {WIDTH}, 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has SHA-256 " + actual + ", expected " + pt.sha256());
  }

  @Test
  void aMissingFileAMalformedHashAndAnIncompleteSpecAreRefused() {
    assertThatThrownBy(() -> ModelSpec.parse("torchscript:no-such.pt#" + OTHER_HASH, dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("torchscript file " + dir.resolve("no-such.pt") + ": cannot read it");
    assertThatThrownBy(() -> ModelSpec.parse("torchscript:net.pt#abc", dir))
        .hasMessageContaining("sha256 is 64 hex digits, got 'abc'");
    assertThatThrownBy(() -> ModelSpec.parse("torchscript:net.pt", dir))
        .hasMessageContaining("the short form is torchscript:PATH#SHA256");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": \"torchscript\", \"file\": \"net.pt\"}"))
        .hasMessageContaining("needs both 'file' and 'sha256'");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": \"torchscript\", \"file\": \"net.pt\", \"sha256\": \""
        + OTHER_HASH + "\", \"hidden\": [3]}"))
        .hasMessageContaining("unknown field 'hidden' for a torchscript model (known: file, sha256, type)");
    assertThatThrownBy(() -> ModelSpec.parse(Path.of("/no/such/model.json").toString()))
        .hasMessageContaining("/no/such/model.json: cannot read it");
  }

  @Test
  void aFileThatIsNotTorchScriptIsRefusedWithAClearError() throws Exception {
    // Needs libtorch only, not Python: runs everywhere.
    Path junk = Files.write(dir.resolve("junk.pt"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});
    ModelSpec spec = ModelSpec.torchScript(junk, TorchScriptFile.sha256Hex(Files.readAllBytes(junk)));
    assertThatThrownBy(() -> new LocalModel(spec, new int[] {WIDTH}, 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("torchscript file " + junk)
        .hasMessageContaining("is not a TorchScript module libtorch can load");
  }

  @Test
  void aModuleWhoseOutputIsNotOneLogitPerClassOrWhoseInputIsAnotherIsRefused() throws Exception {
    PyTorchExport.Exported three = PyTorchExport.export(dir, "three.pt", WIDTH, PyTorchExport.mlp(3), false);
    ModelSpec spec = ModelSpec.torchScript(three.file(), three.sha256());
    assertThatThrownBy(() -> new LocalModel(spec, new int[] {WIDTH}, 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the torchscript model (sha256 " + three.sha256() + ") must map an input of shape (2, " + WIDTH
            + ") to float32 logits of shape (2, 2) (2 classes), it returns float32 (2, 3)");
    assertThatThrownBy(() -> new LocalModel(spec, new int[] {WIDTH + 1}, 3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fails on an input of shape (2, " + (WIDTH + 1) + ")");
    // A spec that is TorchScript cannot be built as a DJL block by mistake.
    assertThatThrownBy(() -> spec.build(new int[] {WIDTH}, 3)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void batchNormRunningStatisticsAreBuffersNotParametersSoTheyAreNotFederated() throws Exception {
    PyTorchExport.Exported pt = PyTorchExport.export(dir, "bn.pt", WIDTH, String.join("\n",
        "net = torch.nn.Sequential(torch.nn.Linear(INPUT, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 2))"),
        false);
    try (LocalModel model = new LocalModel(ModelSpec.torchScript(pt.file(), pt.sha256()), new int[] {WIDTH}, 2, 1)) {
      // BatchNorm's weight and bias (gamma, beta) are parameters; running_mean, running_var and
      // num_batches_tracked are buffers and stay out of the layout, so every participant keeps its own.
      assertThat(model.layout().entries().stream().map(ParameterLayout.Entry::name).toList())
          .containsExactly("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias");
      assertThat(model.layout().size()).isEqualTo(pt.parameterCount());
      assertThat(logits(model, probe())).containsExactly(pt.probeOutput(), within(1e-5f));
      LocalModel.TrainingResult r = model.train(separable(200, 3), new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 2, 32, 0),
          null, new Random(1));
      assertThat(r.lastEpochLoss()).isFinite();
    }
  }

  /** Two classes told apart by the sign of the first two features' sum, with a margin. */
  private static Dataset separable(int rows, long seed) {
    Random r = new Random(seed);
    float[] x = new float[rows * WIDTH];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      float s;
      do {
        for (int j = 0; j < WIDTH; j++) {
          x[i * WIDTH + j] = (float) r.nextGaussian();
        }
        s = x[i * WIDTH] + x[i * WIDTH + 1];
      } while (Math.abs(s) < 0.3f);
      y[i] = s > 0 ? 1 : 0;
    }
    return new Dataset(x, y, new int[] {WIDTH}, 2);
  }

  /** The input PyTorch's export ran ({@link PyTorchExport#PROBE}). */
  private static float[] probe() {
    float[] x = new float[2 * WIDTH];
    for (int i = 0; i < x.length; i++) {
      x[i] = i / 10f - 1;
    }
    return x;
  }

  private static float[] logits(LocalModel model, float[] x) {
    try (NDManager m = model.manager().newSubManager()) {
      NDArray in = m.create(x, new Shape(x.length / WIDTH, WIDTH));
      return model.block().forward(new ParameterStore(m, false), new NDList(in), false).singletonOrThrow().toFloatArray();
    }
  }
}
