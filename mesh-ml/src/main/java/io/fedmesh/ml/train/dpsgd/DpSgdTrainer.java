package io.fedmesh.ml.train.dpsgd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ParameterLayout;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.NonFiniteUpdateException;
import io.fedmesh.ml.train.TrainingOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Record-level differentially private training of a participant's model on its own data: DP-SGD (Abadi et
 * al. 2016, algorithm 1). Each step
 * <ol>
 *   <li>draws a batch by Poisson sampling, each of the N local examples independently with probability
 *       q = B / N (so the batch may be empty);
 *   <li>computes each sampled example's gradient and scales it to L2 norm at most C over all parameters
 *       together ({@link PerExampleMethod});
 *   <li>sums them and adds N(0, (sigma C)^2) to every coordinate, whether or not the batch was empty, so the
 *       output never shows how many examples were drawn;
 *   <li>divides by the expected batch size B (a constant: dividing by the actual count would leak it);
 *   <li>hands that gradient to the optimizer (SGD or Adam; anything after the noise is post-processing and
 *       costs no privacy, and so is FedProx's data-independent pull towards the global model).
 * </ol>
 * An epoch is ceil(N / B) steps, and the run is charged {@code epochs * ceil(N / B)} steps of the sampled
 * Gaussian at rate q ({@link RdpAccountant#sampledGaussian}): the guarantee covers every record of the local
 * data against anyone who sees the trained weights (the coordinator, other participants, the final model).
 *
 * <p>Sampling and noise come from {@code random}; it must be unpredictable to everyone else ({@link
 * AesCtrRandom#secure()}), or neither the sample nor the noise protects anything. Runs on the calling thread;
 * one model trains at a time in a JVM (DJL's gradient collector), as for {@link LocalModel#train}.
 */
public final class DpSgdTrainer {
  private DpSgdTrainer() {}

  /** {@link #train(LocalModel, Dataset, TrainingOptions, DpSgdOptions, float[], RandomGenerator, PerExampleMethod)} with {@link PerExampleMethod#AUTO}. */
  public static DpSgdResult train(LocalModel model, Dataset data, TrainingOptions options, DpSgdOptions dp,
      float[] proximalCenter, RandomGenerator random) {
    return train(model, data, options, dp, proximalCenter, random, PerExampleMethod.AUTO);
  }

  /**
   * Trains {@code model} in place for {@code options.epochs()} epochs of DP-SGD. From {@code options} it takes
   * the optimizer, learning rate, epochs and FedProx mu; its batch size is ignored (B is {@code
   * dp.expectedBatchSize()}). With a positive mu, {@code proximalCenter} is the round's global model.
   *
   * @throws IllegalArgumentException if q = B / N is outside (0, 1] (no data, or B above N), the method
   *     cannot handle the model, or FedProx has no center of the model's size
   * @throws NonFiniteUpdateException if an example's gradient is NaN or infinite (training diverged)
   */
  public static DpSgdResult train(LocalModel model, Dataset data, TrainingOptions options, DpSgdOptions dp,
      float[] proximalCenter, RandomGenerator random, PerExampleMethod method) {
    double q = dp.samplingRate(data.size());
    long steps = (long) options.epochs() * dp.stepsPerEpoch(data.size());
    PerExampleGradients gradients = gradients(model, method);
    if (options.proximalMu() > 0 && (proximalCenter == null || proximalCenter.length != model.layout().size())) {
      throw new IllegalArgumentException("FedProx needs the global model's " + model.layout().size() + " parameters");
    }
    LocalModel.TrainingResult result;
    try (NDManager run = model.manager().newSubManager()) {
      result = new Run(model, data, options, dp, q, gradients, proximalCenter, random, run).all();
    }
    return new DpSgdResult(result, q, steps, dp.noiseMultiplier(),
        RdpAccountant.sampledGaussian(q, dp.noiseMultiplier(), steps));
  }

  static PerExampleGradients gradients(LocalModel model, PerExampleMethod method) {
    return switch (method) {
      case AUTO -> LinearLayerGradients.supports(model.spec())
          ? LinearLayerGradients.of(model.block(), model.spec(), model.classes())
          : new MicroBatchGradients(model.block(), model.classes());
      case LINEAR_LAYERS -> LinearLayerGradients.of(model.block(), model.spec(), model.classes());
      case MICRO_BATCH -> new MicroBatchGradients(model.block(), model.classes());
    };
  }

  /** One run's state: buffers allocated once, the optimizer, and the loop. */
  private static final class Run {
    private final Dataset data;
    private final TrainingOptions options;
    private final DpSgdOptions dp;
    private final double q;
    private final PerExampleGradients gradients;
    private final RandomGenerator random;
    private final NDManager manager;
    private final List<Parameter> parameters = new ArrayList<>();
    private final ParameterLayout layout;
    private final List<NDArray> center = new ArrayList<>();
    private final Optimizer optimizer;
    private final int[] sampleShape;
    private final int[] batch;
    private final FloatBuffer noise;
    private float[] rows = new float[0];
    private FloatBuffer directRows = FloatBuffer.allocate(0);

    Run(LocalModel model, Dataset data, TrainingOptions options, DpSgdOptions dp, double q, PerExampleGradients gradients,
        float[] proximalCenter, RandomGenerator random, NDManager manager) {
      this.data = data;
      this.options = options;
      this.dp = dp;
      this.q = q;
      this.gradients = gradients;
      this.random = random;
      this.manager = manager;
      for (Pair<String, Parameter> p : model.block().getParameters()) {
        parameters.add(p.getValue());
      }
      this.layout = model.layout();
      if (options.proximalMu() > 0) {
        for (ParameterLayout.Entry e : layout.entries()) {
          center.add(manager.create(java.util.Arrays.copyOfRange(proximalCenter, e.offset(), e.offset() + e.size()),
              new Shape(e.shape())));
        }
      }
      Tracker rate = Tracker.fixed((float) options.learningRate());
      // The optimizer divides by B itself (rescaleGrad), which saves an op per parameter and step.
      float perExample = 1f / dp.expectedBatchSize();
      this.optimizer = switch (options.optimizer()) {
        case SGD -> Optimizer.sgd().setLearningRateTracker(rate).setRescaleGrad(perExample).build();
        case ADAM -> Adam.builder().optLearningRateTracker(rate).setRescaleGrad(perExample).build();
      };
      this.sampleShape = data.sampleShape();
      this.batch = new int[data.size()];
      this.noise = direct(layout.size());
    }

    LocalModel.TrainingResult all() {
      int stepsPerEpoch = dp.stepsPerEpoch(data.size());
      long seen = 0;
      double lastLoss = Double.NaN;
      for (int epoch = 0; epoch < options.epochs(); epoch++) {
        double lossSum = 0;
        long epochSeen = 0;
        for (int s = 0; s < stepsPerEpoch; s++) {
          int count = PoissonSampler.sample(data.size(), q, random, batch);
          lossSum += step(count);
          epochSeen += count;
        }
        seen += epochSeen;
        lastLoss = epochSeen == 0 ? Double.NaN : lossSum / epochSeen;
      }
      return new LocalModel.TrainingResult(seen, lastLoss);
    }

    /** One DP-SGD step on the first {@code count} sampled rows; returns their summed loss. */
    double step(int count) {
      try (NDManager step = manager.newSubManager()) {
        NDList sums;
        double loss = 0;
        if (count > 0) {
          PerExampleGradients.ClippedSum clipped = gradients.clippedSum(step, batchArray(step, count), labels(count), dp.clipNorm());
          sums = clipped.sums();
          loss = clipped.lossSum();
        } else {
          sums = new NDList();
          for (Parameter p : parameters) {
            sums.add(step.zeros(p.getArray().getShape()));
          }
        }
        fillNoise();
        for (int k = 0; k < parameters.size(); k++) {
          Parameter p = parameters.get(k);
          ParameterLayout.Entry e = layout.entries().get(k);
          // sum + noise; the optimizer's rescaleGrad makes it (sum + noise) / B.
          NDArray gradient = sums.get(k).addi(step.create(noise.duplicate().position(e.offset()).limit(e.offset() + e.size()).slice(),
              new Shape(e.shape())));
          if (!center.isEmpty()) {
            // FedProx's mu (w - w_global), times B to cancel the rescaling: it is not a per-example term.
            gradient.addi(p.getArray().sub(center.get(k)).muli((float) (options.proximalMu() * dp.expectedBatchSize())));
          }
          optimizer.update(p.getId(), p.getArray(), gradient);
        }
        return loss;
      }
    }

    private void fillNoise() {
      double std = dp.noiseMultiplier() * dp.clipNorm();
      noise.clear();
      for (int i = 0; i < layout.size(); i++) {
        noise.put(i, (float) (random.nextGaussian() * std));
      }
    }

    private NDArray batchArray(NDManager step, int count) {
      if (rows.length < count * data.width()) {
        rows = new float[count * data.width()];
        directRows = direct(rows.length);
      }
      data.copyRows(batch, 0, count, rows);
      directRows.clear().put(rows, 0, count * data.width()).flip();
      long[] dims = new long[sampleShape.length + 1];
      dims[0] = count;
      for (int i = 0; i < sampleShape.length; i++) {
        dims[i + 1] = sampleShape[i];
      }
      return step.create(directRows, new Shape(dims));
    }

    private int[] labels(int count) {
      int[] out = new int[count];
      for (int i = 0; i < count; i++) {
        out[i] = data.label(batch[i]);
      }
      return out;
    }

    private static FloatBuffer direct(int floats) {
      return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
  }
}
