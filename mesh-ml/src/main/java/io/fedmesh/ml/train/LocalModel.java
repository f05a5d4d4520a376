package io.fedmesh.ml.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.Shuffle;
import io.fedmesh.ml.eval.Metrics;
import io.fedmesh.ml.eval.MetricsCalculator;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.model.ParameterLayout;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One copy of the federation's model in this process, on DJL's PyTorch engine: set its parameters
 * from a flat vector, train it on local data, read them back, evaluate it. Not thread-safe, and only
 * one may train at a time in a JVM (DJL allows one gradient collector per JVM), which is why a
 * simulation trains its clients one after another.
 */
public final class LocalModel implements AutoCloseable {
  private static final int EVAL_BATCH = 1024;

  private final Model model;
  private final ModelSpec spec;
  private final int[] sampleShape;
  private final int classes;
  private final ParameterLayout layout;
  private final Device device;

  /**
   * A model of {@code spec} for samples of {@code sampleShape}. Runs on the GPU when the engine has one.
   *
   * <p>A built-in model (logistic, mlp, cnn) is built and its initial weights drawn from {@code seed} (the same
   * seed gives the same weights). A TorchScript model is loaded from its file, after its SHA-256 is checked, and
   * brings its own initial weights: the federation's initial model is the file's, whatever {@code seed} is
   * ({@code seed} still seeds the engine, so dropout inside the module is reproducible).
   *
   * @throws IllegalArgumentException for a TorchScript file with another hash, that libtorch cannot load, or
   *     whose module does not map {@code [2, ...sampleShape]} to float32 logits {@code [2, classes]}
   */
  public LocalModel(ModelSpec spec, int[] sampleShape, int classes, long seed) {
    this.spec = spec;
    this.sampleShape = sampleShape.clone();
    this.classes = classes;
    this.device = Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    Engine.getInstance().setRandomSeed((int) seed);
    this.model = Model.newInstance("fedmesh", device);
    try {
      if (spec.type() == ModelSpec.Type.TORCHSCRIPT) {
        spec.torchScript().loadInto(model);
        checkLogits();
      } else {
        model.setBlock(spec.build(sampleShape, classes));
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(1));
      }
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    // Both kinds end here: the flat layout (and the manifest stored beside every model) is the block's
    // getParameters(), for a TorchScript module its named_parameters() under their PyTorch names.
    this.layout = ParameterLayout.of(model.getBlock());
  }

  /**
   * Runs a brought model once on zeros: training and evaluation read its single output as logits for
   * {@code classes} classes, and a module that answers otherwise would fail later with a less clear error
   * (or, worse, train against the wrong columns).
   */
  private void checkLogits() {
    // Two rows, not one: a module that drops or mixes up the batch dimension (a squeeze, a reshape to one row)
    // can still answer [1, classes] for a batch of one.
    Shape in = inputShape(2);
    try (NDManager probe = model.getNDManager().newSubManager()) {
      NDList out;
      try {
        out = model.getBlock().forward(new ParameterStore(probe, false), new NDList(probe.zeros(in)), false);
      } catch (ai.djl.engine.EngineException e) {
        throw new IllegalArgumentException("the torchscript model (sha256 " + spec.torchScript().sha256()
            + ") fails on an input of shape " + in + " (a batch of the data's samples): " + io.fedmesh.ml.model.TorchScriptFile.firstLine(e.getMessage()), e);
      }
      Shape expected = new Shape(in.get(0), classes);
      if (out.size() != 1 || !out.get(0).getShape().equals(expected) || out.get(0).getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException("the torchscript model (sha256 " + spec.torchScript().sha256()
            + ") must map an input of shape " + in + " to float32 logits of shape " + expected + " (" + classes
            + " classes), it returns " + describe(out));
      }
    }
  }

  private static String describe(NDList out) {
    List<String> parts = new ArrayList<>();
    for (NDArray a : out) {
      parts.add(a.getDataType().toString().toLowerCase(java.util.Locale.ROOT) + " " + a.getShape());
    }
    return parts.size() == 1 ? parts.get(0) : parts.size() + " outputs " + parts;
  }

  public ParameterLayout layout() {
    return layout;
  }

  public Device device() {
    return device;
  }

  public ModelSpec spec() {
    return spec;
  }

  public int classes() {
    return classes;
  }

  /**
   * The DJL block whose parameters are this model's, for trainers in sibling packages (DP-SGD in {@code
   * train.dpsgd}) that run their own step. Everyone else goes through {@link #parameters()} and {@link #train}.
   */
  public Block block() {
    return model.getBlock();
  }

  /** The manager the parameters live in; a trainer makes its arrays in a sub-manager it closes. */
  public NDManager manager() {
    return model.getNDManager();
  }

  public float[] parameters() {
    return layout.read(model.getBlock());
  }

  public void setParameters(float[] flat) {
    layout.write(model.getBlock(), flat);
  }

  /** What a round of local training did: examples seen, mean training loss of the last epoch. */
  public record TrainingResult(long examplesSeen, double lastEpochLoss) {}

  /**
   * Trains in place on {@code data} with {@code options}, shuffling each epoch with {@code random}.
   * With a positive proximal mu, each step also pulls the weights towards {@code proximalCenter}
   * (the round's global model, FedProx): its gradient mu (w - w_global) is added before the step.
   */
  public TrainingResult train(Dataset data, TrainingOptions options, float[] proximalCenter, Random random) {
    return train(data, options, proximalCenter, null, random);
  }

  /**
   * As {@link #train(Dataset, TrainingOptions, float[], Random)}, adding {@code gradientCorrection} (a
   * flat vector in the layout, or null) to every step's gradient: SCAFFOLD's c - c_i, which steers each
   * participant's steps towards the federation's average direction.
   */
  public TrainingResult train(Dataset data, TrainingOptions options, float[] proximalCenter, float[] gradientCorrection,
      Random random) {
    if (data.size() == 0) {
      return new TrainingResult(0, Double.NaN);
    }
    float[] start = parameters();
    DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
        .optOptimizer(optimizer(options))
        .optDevices(new Device[] {device});
    long seen = 0;
    double lastLoss = Double.NaN;
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(inputShape(Math.min(options.batchSize(), data.size())));
      setParameters(start); // initialize() may have drawn fresh weights
      List<NDArray> center = options.proximalMu() > 0 ? layoutArrays(trainer.getManager(), proximalCenter, "FedProx") : List.of();
      List<NDArray> correction = gradientCorrection != null ? layoutArrays(trainer.getManager(), gradientCorrection, "SCAFFOLD")
          : List.of();
      int[] order = new int[data.size()];
      int maxRows = Math.min(options.batchSize(), data.size());
      float[] batchX = new float[maxRows * data.width()];
      float[] batchY = new float[maxRows];
      // Direct buffers, allocated once: the engine reads them without another copy, and no direct
      // memory is allocated (and later collected) per batch.
      FloatBuffer directX = direct(batchX.length);
      FloatBuffer directY = direct(batchY.length);
      for (int epoch = 0; epoch < options.epochs(); epoch++) {
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        Shuffle.shuffle(order, random);
        double lossSum = 0;
        for (int from = 0; from < order.length; from += options.batchSize()) {
          int rows = Math.min(options.batchSize(), order.length - from);
          data.copyRows(order, from, from + rows, batchX);
          for (int r = 0; r < rows; r++) {
            batchY[r] = data.label(order[from + r]);
          }
          try (NDManager step = trainer.getManager().newSubManager()) {
            directX.clear().put(batchX, 0, rows * data.width()).flip();
            directY.clear().put(batchY, 0, rows).flip();
            NDArray x = step.create(directX, inputShape(rows));
            NDArray y = step.create(directY, new Shape(rows));
            try (GradientCollector collector = trainer.newGradientCollector()) {
              NDList predictions = trainer.forward(new NDList(x));
              NDArray loss = trainer.getLoss().evaluate(new NDList(y), predictions);
              collector.backward(loss);
              lossSum += loss.getFloat() * rows;
            }
            if (!center.isEmpty()) {
              addProximalGradient(options.proximalMu(), center);
            }
            if (!correction.isEmpty()) {
              addCorrection(correction);
            }
            trainer.step();
          }
          seen += rows;
        }
        lastLoss = lossSum / order.length;
      }
      center.forEach(NDArray::close);
      correction.forEach(NDArray::close);
    }
    return new TrainingResult(seen, lastLoss);
  }

  /** Loss, accuracy and the rest on {@code data}, in inference mode (dropout off). */
  public Metrics evaluate(Dataset data) {
    return measure(data).result();
  }

  /** The evaluation on {@code data} as counts that add up across participants (federated evaluation). */
  public io.fedmesh.ml.eval.EvaluationCounts evaluateCounts(Dataset data) {
    return measure(data).counts();
  }

  private MetricsCalculator measure(Dataset data) {
    MetricsCalculator metrics = new MetricsCalculator(classes);
    int[] rows = new int[data.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    int[] labels = data.labels();
    float[] batch = new float[Math.min(EVAL_BATCH, Math.max(1, data.size())) * data.width()];
    FloatBuffer direct = direct(batch.length);
    try (NDManager manager = model.getNDManager().newSubManager()) {
      ParameterStore store = new ParameterStore(manager, false);
      for (int from = 0; from < rows.length; from += EVAL_BATCH) {
        int n = Math.min(EVAL_BATCH, rows.length - from);
        data.copyRows(rows, from, from + n, batch);
        try (NDManager step = manager.newSubManager()) {
          direct.clear().put(batch, 0, n * data.width()).flip();
          NDArray x = step.create(direct, inputShape(n));
          float[] logits = model.getBlock().forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
          metrics.add(logits, labels, from, n);
        }
      }
    }
    return metrics;
  }

  @Override
  public void close() {
    model.close();
  }

  private void addProximalGradient(double mu, List<NDArray> center) {
    int i = 0;
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      NDArray w = p.getValue().getArray();
      NDArray gradient = w.getGradient();
      try (NDArray pull = w.sub(center.get(i++)).muli((float) mu)) {
        gradient.addi(pull);
      }
    }
  }

  private void addCorrection(List<NDArray> correction) {
    int i = 0;
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      p.getValue().getArray().getGradient().addi(correction.get(i++));
    }
  }

  private List<NDArray> layoutArrays(NDManager manager, float[] flat, String purpose) {
    if (flat == null || flat.length != layout.size()) {
      throw new IllegalArgumentException(purpose + " needs a vector of the model's " + layout.size() + " parameters");
    }
    List<NDArray> out = new ArrayList<>();
    for (ParameterLayout.Entry e : layout.entries()) {
      out.add(manager.create(java.util.Arrays.copyOfRange(flat, e.offset(), e.offset() + e.size()), new Shape(e.shape())));
    }
    return out;
  }

  private static FloatBuffer direct(int floats) {
    return java.nio.ByteBuffer.allocateDirect(floats * Float.BYTES).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static Optimizer optimizer(TrainingOptions options) {
    Tracker rate = Tracker.fixed((float) options.learningRate());
    return switch (options.optimizer()) {
      case SGD -> Optimizer.sgd().setLearningRateTracker(rate).build();
      case ADAM -> Adam.builder().optLearningRateTracker(rate).build();
    };
  }

  private Shape inputShape(long rows) {
    long[] dims = new long[sampleShape.length + 1];
    dims[0] = rows;
    for (int i = 0; i < sampleShape.length; i++) {
      dims[i + 1] = sampleShape[i];
    }
    return new Shape(dims);
  }
}
