package io.fedmesh.ml.strategy;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Federated averaging (McMahan et al. 2017), with FedProx (Li et al. 2020) when the local options
 * carry a proximal mu: each round a fraction of the clients trains from the global model, and the
 * global model moves by the server learning rate times the weighted mean of their updates.
 */
public final class FedAvg implements Strategy {
  private final TrainingOptions options;
  private final double fraction;
  private final double serverLearningRate;
  private final double clipNorm;

  /**
   * @param fraction of the clients chosen each round (uniformly, at least one), in (0, 1]
   * @param serverLearningRate 1 is plain FedAvg
   * @param clipNorm L2 clip applied to each update, 0 for none
   */
  public FedAvg(TrainingOptions options, double fraction, double serverLearningRate, double clipNorm) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction of clients per round must be in (0, 1], got " + fraction);
    }
    if (!(serverLearningRate > 0) || Double.isInfinite(serverLearningRate)) {
      throw new IllegalArgumentException("server learning rate must be positive and finite, got " + serverLearningRate);
    }
    if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("clip norm must be >= 0 and finite, got " + clipNorm);
    }
    this.options = options;
    this.fraction = fraction;
    this.serverLearningRate = serverLearningRate;
    this.clipNorm = clipNorm;
  }

  /** eta: how far the global model moves along the mean update. */
  public double serverLearningRate() {
    return serverLearningRate;
  }

  @Override
  public TrainingOptions options() {
    return options;
  }

  @Override
  public FitInstructions configureFit(int round, int clients, Random random) {
    int chosen = Math.max(1, (int) Math.round(fraction * clients));
    List<Integer> all = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      all.add(c);
    }
    java.util.Collections.shuffle(all, random);
    List<Integer> participants = new ArrayList<>(all.subList(0, chosen));
    participants.sort(null);
    return new FitInstructions(participants, options, clipNorm, false);
  }

  @Override
  public float[] aggregateFit(int round, float[] global, AggregatedUpdate aggregate, List<Failure> failures) {
    float[] next = global.clone();
    if (aggregate.contributors() == 0 || !(aggregate.totalWeight() > 0)) {
      return next;
    }
    double scale = serverLearningRate / aggregate.totalWeight();
    float[] sum = aggregate.weightedSum();
    for (int i = 0; i < next.length; i++) {
      next[i] += (float) (scale * sum[i]);
    }
    return next;
  }

  @Override
  public String describe() {
    return (options.proximalMu() > 0 ? "fedprox mu=" + options.proximalMu() : "fedavg")
        + (serverLearningRate != 1 ? " server-lr=" + serverLearningRate : "")
        + (fraction < 1 ? " fraction=" + fraction : "");
  }
}
