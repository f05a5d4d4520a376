package io.fedmesh.ml.train;

import java.util.Locale;

/**
 * How a participant trains the federation's model on its own data in one round.
 *
 * @param optimizer SGD (no momentum) or Adam; a fresh optimizer every round, as FedAvg assumes
 * @param learningRate the local step size
 * @param epochs passes over the local data (E)
 * @param batchSize examples per step (the last batch of an epoch may be smaller)
 * @param proximalMu FedProx's mu (Li et al. 2020): the local objective gains (mu/2) ||w - w_global||^2; 0 is FedAvg
 */
public record TrainingOptions(Optimizer optimizer, double learningRate, int epochs, int batchSize, double proximalMu) {

  /** The local optimiser. */
  public enum Optimizer { SGD, ADAM;

    public static Optimizer parse(String text) {
      try {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("optimizer '" + text + "' is not sgd or adam");
      }
    }
  }

  public TrainingOptions {
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
    }
    if (epochs < 1 || epochs > 10_000) {
      throw new IllegalArgumentException("epochs must be in [1, 10000], got " + epochs);
    }
    if (batchSize < 1 || batchSize > 1 << 20) {
      throw new IllegalArgumentException("batch size must be in [1, 2^20], got " + batchSize);
    }
    if (!(proximalMu >= 0) || Double.isInfinite(proximalMu)) {
      throw new IllegalArgumentException("FedProx mu must be >= 0 and finite, got " + proximalMu);
    }
  }

  /** The reference setting: SGD, learning rate 0.1, batch 64, one epoch, no proximal term. */
  public static TrainingOptions defaults() {
    return new TrainingOptions(Optimizer.SGD, 0.1, 1, 64, 0);
  }

  public TrainingOptions withProximalMu(double mu) {
    return new TrainingOptions(optimizer, learningRate, epochs, batchSize, mu);
  }
}
