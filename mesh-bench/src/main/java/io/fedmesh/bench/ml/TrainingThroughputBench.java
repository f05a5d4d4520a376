package io.fedmesh.bench.ml;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.fedmesh.bench.Median;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.Random;

/**
 * Local training speed: FedMesh's {@link LocalModel#train} against a bare DJL loop (ArrayDataset with
 * shuffled batches, EasyTrain.trainBatch, trainer.step) on the same model, data, batch size and
 * learning rate, in the same run. Each is warmed up for an epoch, then the two are timed in turns
 * ({@code reps} times each, {@code epochs} epochs a turn) and the median of each is reported, so a
 * noisy neighbour on a shared machine hits both alike.
 */
public final class TrainingThroughputBench {
  private TrainingThroughputBench() {}

  /** Median samples per second of each, and their ratio. */
  public record Result(double fedmeshSamplesPerS, double bareSamplesPerS) {
    public double ratio() {
      return fedmeshSamplesPerS / bareSamplesPerS;
    }
  }

  public static Result run(Dataset data, ModelSpec spec, TrainingOptions options, int epochs, int reps) throws Exception {
    double[] ours = new double[reps];
    double[] bare = new double[reps];
    try (LocalModel model = new LocalModel(spec, data.sampleShape(), data.classes(), 1);
        BareLoop loop = new BareLoop(data, spec, options)) {
      Random random = new Random(1);
      model.train(data, options, null, random); // warm-up
      loop.epoch();
      for (int r = 0; r < reps; r++) {
        long start = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
          model.train(data, options, null, random);
        }
        ours[r] = (double) epochs * data.size() / ((System.nanoTime() - start) / 1e9);
        start = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
          loop.epoch();
        }
        bare[r] = (double) epochs * data.size() / ((System.nanoTime() - start) / 1e9);
      }
    }
    return new Result(Median.of(ours), Median.of(bare));
  }

  /** DJL's own way: the whole dataset as NDArrays, batches sampled by an ArrayDataset. */
  private static final class BareLoop implements AutoCloseable {
    private final Model model;
    private final Trainer trainer;
    private final ArrayDataset dataset;

    BareLoop(Dataset data, ModelSpec spec, TrainingOptions options) {
      Engine.getInstance().setRandomSeed(1);
      model = Model.newInstance("bare");
      model.setBlock(spec.build(data.sampleShape(), data.classes()));
      long[] dims = new long[data.sampleShape().length + 1];
      dims[0] = data.size();
      for (int i = 0; i < data.sampleShape().length; i++) {
        dims[i + 1] = data.sampleShape()[i];
      }
      NDManager manager = model.getNDManager();
      float[] x = new float[data.size() * data.width()];
      int[] all = new int[data.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      data.copyRows(all, 0, all.length, x);
      float[] y = new float[data.size()];
      for (int i = 0; i < y.length; i++) {
        y[i] = data.label(i);
      }
      NDArray features = manager.create(x, new Shape(dims));
      NDArray labels = manager.create(y);
      dataset = new ArrayDataset.Builder().setData(features).optLabels(labels).setSampling(options.batchSize(), true).build();
      DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
          .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed((float) options.learningRate())).build());
      trainer = model.newTrainer(config);
      long[] one = dims.clone();
      one[0] = options.batchSize();
      trainer.initialize(new Shape(one));
    }

    void epoch() throws Exception {
      for (Batch batch : trainer.iterateDataset(dataset)) {
        EasyTrain.trainBatch(trainer, batch);
        trainer.step();
        batch.close();
      }
    }

    @Override
    public void close() {
      trainer.close();
      model.close();
    }
  }
}
