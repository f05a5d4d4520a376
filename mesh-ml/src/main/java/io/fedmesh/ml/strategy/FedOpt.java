package io.fedmesh.ml.strategy;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;
import java.util.Random;

/**
 * FedAvg with a server optimiser (Reddi et al. 2021): participants train as in FedAvg, and the server
 * treats the round's mean update as a pseudo-gradient for FedAvgM, FedAdam, FedYogi or FedAdagrad.
 * The optimiser's moments live in the global state after the model, so they are stored, replicated and
 * recovered with it: a coordinator that takes over carries on with the same moments.
 */
public final class FedOpt implements Strategy {
  private final FedAvg base;
  private final Algorithm algorithm;
  private final AdaptiveOptions adaptive;

  /**
   * @param base how participants are chosen and train; its server learning rate is eta
   * @param algorithm fedavgm, fedadam, fedyogi or fedadagrad
   */
  public FedOpt(FedAvg base, Algorithm algorithm, AdaptiveOptions adaptive) {
    if (!algorithm.serverOptimizer()) {
      throw new IllegalArgumentException(algorithm.text() + " has no server optimiser");
    }
    this.base = base;
    this.algorithm = algorithm;
    this.adaptive = adaptive;
  }

  @Override
  public TrainingOptions options() {
    return base.options();
  }

  @Override
  public FitInstructions configureFit(int round, int clients, Random random) {
    return base.configureFit(round, clients, random);
  }

  /** @param global the global state: the model, then the optimiser's moments */
  @Override
  public float[] aggregateFit(int round, float[] global, AggregatedUpdate aggregate, List<Failure> failures) {
    float[] next = global.clone();
    if (aggregate.contributors() == 0 || !(aggregate.totalWeight() > 0)) {
      return next;
    }
    float[] sum = aggregate.weightedSum();
    int n = algorithm.modelLength(global.length);
    if (sum.length != n) {
      throw new IllegalArgumentException("the sum has " + sum.length + " values, the model " + n);
    }
    double[] delta = new double[n];
    for (int i = 0; i < n; i++) {
      delta[i] = sum[i] / aggregate.totalWeight();
    }
    ServerOptimizer.step(algorithm, base.serverLearningRate(), adaptive, next, delta);
    return next;
  }

  @Override
  public String describe() {
    return algorithm.text() + " eta=" + base.serverLearningRate() + (algorithm == Algorithm.FEDAVGM
        ? " momentum=" + adaptive.beta1()
        : " beta1=" + adaptive.beta1() + (algorithm == Algorithm.FEDADAGRAD ? "" : " beta2=" + adaptive.beta2()) + " tau="
            + adaptive.tau());
  }
}
