package io.fedmesh.ml.strategy;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;
import java.util.Random;

/**
 * SCAFFOLD (Karimireddy et al. 2020), server side. The global state is {@code [x | c]}: the model
 * and the server control variate. Each participant sums {@code [dy | s dc]} securely: its model delta,
 * and its control-variate delta scaled by the public constant s = the local learning rate (which puts
 * it in model-delta units, inside the same clip as the model delta). The server moves
 * {@code x += eta_g mean(dy)} and {@code c += (|S| / N) mean(dc)}: no individual delta is needed.
 */
public final class Scaffold implements Strategy {
  private final FedAvg base;
  private final int clients;

  /**
   * @param base how participants are chosen and train; its server learning rate is eta_g
   * @param clients N, the federation's participants (the control variate is their average)
   */
  public Scaffold(FedAvg base, int clients) {
    if (clients < 1) {
      throw new IllegalArgumentException("SCAFFOLD needs the federation's size, got " + clients);
    }
    if (base.options().optimizer() != TrainingOptions.Optimizer.SGD) {
      throw new IllegalArgumentException("SCAFFOLD's control variates assume local SGD, not " + base.options().optimizer());
    }
    this.base = base;
    this.clients = clients;
  }

  /** The scale s each participant multiplies its control-variate delta by before it is summed. */
  public static double controlScale(TrainingOptions options) {
    return options.learningRate();
  }

  @Override
  public TrainingOptions options() {
    return base.options();
  }

  @Override
  public FitInstructions configureFit(int round, int available, Random random) {
    return base.configureFit(round, available, random);
  }

  @Override
  public float[] aggregateFit(int round, float[] global, AggregatedUpdate aggregate, List<Failure> failures) {
    float[] next = global.clone();
    if (aggregate.contributors() == 0 || !(aggregate.totalWeight() > 0)) {
      return next;
    }
    int n = Algorithm.SCAFFOLD.modelLength(global.length);
    float[] sum = aggregate.weightedSum();
    if (sum.length != 2 * n) {
      throw new IllegalArgumentException("SCAFFOLD sums " + 2 * n + " values (model and control deltas), got " + sum.length);
    }
    double w = aggregate.totalWeight();
    double eta = base.serverLearningRate();
    double share = Math.min(1.0, (double) aggregate.contributors() / clients);
    double unscale = 1 / controlScale(base.options());
    for (int i = 0; i < n; i++) {
      next[i] = (float) (global[i] + eta * sum[i] / w);
      next[n + i] = (float) (global[n + i] + share * unscale * sum[n + i] / w);
    }
    return next;
  }

  @Override
  public String describe() {
    return "scaffold eta_g=" + base.serverLearningRate() + " N=" + clients;
  }
}
