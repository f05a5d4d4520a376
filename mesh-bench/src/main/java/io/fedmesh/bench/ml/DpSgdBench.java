package io.fedmesh.bench.ml;

import io.fedmesh.bench.Median;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.IidPartitioner;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.ml.train.dpsgd.AesCtrRandom;
import io.fedmesh.ml.train.dpsgd.DpSgdOptions;
import io.fedmesh.ml.train.dpsgd.DpSgdResult;
import io.fedmesh.ml.train.dpsgd.DpSgdTrainer;
import io.fedmesh.ml.train.dpsgd.PerExampleMethod;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * What record-level DP-SGD costs: local training throughput against the non-private trainer in the same
 * run (both per-example methods), and test accuracy per round of FedAvg over clients that each train with
 * DP-SGD for a target epsilon.
 */
public final class DpSgdBench {
  private DpSgdBench() {}

  /** Median examples per second of each trainer. */
  public record Throughput(double plainPerS, double linearLayersPerS, double microBatchPerS, int microBatchExamples,
      double nanosPerGaussian) {
    public double linearLayersRatio() {
      return linearLayersPerS / plainPerS;
    }

    public double microBatchRatio() {
      return microBatchPerS / plainPerS;
    }
  }

  /**
   * One epoch of each per turn, {@code reps} turns alternating after a warm-up, medians reported. The
   * micro-batch method gets the first {@code microRows} rows only (an epoch of 60,000 would take minutes);
   * its rate per example does not depend on N, since sampling costs a draw per sampled example.
   */
  public static Throughput throughput(Dataset data, ModelSpec spec, TrainingOptions plain, DpSgdOptions dp, int microRows,
      int reps) {
    int[] head = new int[Math.min(microRows, data.size())];
    for (int i = 0; i < head.length; i++) {
      head[i] = i;
    }
    Dataset small = data.subset(head);
    double[] p = new double[reps];
    double[] fast = new double[reps];
    double[] micro = new double[reps];
    AesCtrRandom random = AesCtrRandom.seeded(1);
    try (LocalModel model = new LocalModel(spec, data.sampleShape(), data.classes(), 1)) {
      model.train(data, plain, null, new Random(1)); // warm-up, each
      DpSgdTrainer.train(model, data, plain, dp, null, random, PerExampleMethod.LINEAR_LAYERS);
      DpSgdTrainer.train(model, small, plain, dp, null, random, PerExampleMethod.MICRO_BATCH);
      for (int r = 0; r < reps; r++) {
        long start = System.nanoTime();
        long seen = model.train(data, plain, null, new Random(r)).examplesSeen();
        p[r] = seen / ((System.nanoTime() - start) / 1e9);
        start = System.nanoTime();
        seen = DpSgdTrainer.train(model, data, plain, dp, null, random, PerExampleMethod.LINEAR_LAYERS).training().examplesSeen();
        fast[r] = seen / ((System.nanoTime() - start) / 1e9);
        start = System.nanoTime();
        seen = DpSgdTrainer.train(model, small, plain, dp, null, random, PerExampleMethod.MICRO_BATCH).training().examplesSeen();
        micro[r] = seen / ((System.nanoTime() - start) / 1e9);
      }
    }
    return new Throughput(Median.of(p), Median.of(fast), Median.of(micro), small.size(), nanosPerGaussian(random));
  }

  private static double nanosPerGaussian(AesCtrRandom random) {
    int n = 10_000_000;
    double sink = 0;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink += random.nextGaussian();
    }
    long nanos = System.nanoTime() - start;
    return sink == 42 ? 0 : (double) nanos / n; // sink keeps the loop alive
  }

  /** Test accuracy after each round, and the epsilon each client has spent by the end. */
  public record Accuracy(double targetEpsilon, double noiseMultiplier, double samplingRate, long steps, double spentEpsilon,
      double[] accuracy) {}

  /**
   * FedAvg (plain mean of the clients' weights) over {@code clients} IID shares for {@code rounds} rounds, each
   * client running one epoch a round: of DP-SGD with the noise multiplier that makes its {@code rounds}
   * epochs (epsilon, delta)-DP for its own records, or of the plain trainer when {@code targetEpsilon} is
   * infinite.
   */
  public static Accuracy accuracy(Dataset train, Dataset test, ModelSpec spec, int clients, int rounds, TrainingOptions options,
      double clipNorm, int expectedBatch, double targetEpsilon, double delta, long seed, IntConsumer progress) {
    int[][] shares = new IidPartitioner().split(train, clients, new Random(seed));
    Dataset[] data = new Dataset[clients];
    int smallest = Integer.MAX_VALUE;
    for (int c = 0; c < clients; c++) {
      data[c] = train.subset(shares[c]);
      smallest = Math.min(smallest, data[c].size());
    }
    boolean privately = Double.isFinite(targetEpsilon);
    // The smallest share has the highest q and so needs the most noise; every client uses that sigma.
    DpSgdOptions probe = new DpSgdOptions(clipNorm, 0, expectedBatch);
    double q = probe.samplingRate(smallest);
    long steps = (long) rounds * probe.stepsPerEpoch(smallest);
    double sigma = privately ? RdpAccountant.noiseMultiplier(q, steps, delta, targetEpsilon) : 0;
    DpSgdOptions dp = new DpSgdOptions(clipNorm, sigma, expectedBatch);
    double[] accuracy = new double[rounds];
    double spent = 0;
    AesCtrRandom random = AesCtrRandom.seeded(seed);
    try (LocalModel model = new LocalModel(spec, train.sampleShape(), train.classes(), seed)) {
      float[] global = model.parameters();
      io.fedmesh.ml.privacy.RdpBudget[] budgets = new io.fedmesh.ml.privacy.RdpBudget[clients];
      for (int round = 0; round < rounds; round++) {
        float[] sum = new float[global.length];
        for (int c = 0; c < clients; c++) {
          model.setParameters(global);
          if (privately) {
            TrainingOptions one = new TrainingOptions(options.optimizer(), options.learningRate(), 1, options.batchSize(), 0);
            DpSgdResult r = DpSgdTrainer.train(model, data[c], one, dp, null, random);
            budgets[c] = budgets[c] == null ? r.spent() : budgets[c].plus(r.spent());
          } else {
            model.train(data[c], new TrainingOptions(options.optimizer(), options.learningRate(), 1, options.batchSize(), 0), null,
                new Random(seed * 1000 + round * clients + c));
          }
          float[] local = model.parameters();
          for (int i = 0; i < sum.length; i++) {
            sum[i] += local[i];
          }
        }
        for (int i = 0; i < sum.length; i++) {
          global[i] = sum[i] / clients;
        }
        model.setParameters(global);
        accuracy[round] = model.evaluate(test).accuracy();
        progress.accept(round + 1);
      }
      if (privately) {
        for (io.fedmesh.ml.privacy.RdpBudget b : budgets) {
          spent = Math.max(spent, b.epsilon(delta).epsilon());
        }
      }
    }
    return new Accuracy(targetEpsilon, sigma, q, steps, privately ? spent : Double.POSITIVE_INFINITY, accuracy);
  }
}
