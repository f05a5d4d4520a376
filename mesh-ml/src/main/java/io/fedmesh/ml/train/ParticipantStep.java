package io.fedmesh.ml.train;

import io.fedmesh.ml.data.Dataset;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * A participant's part of one round, the same in simulation and on a node: train the model from the
 * global weights on local data, take the update (trained minus global), clip it to the round's L2 norm,
 * and weight it (1, or the number of local examples). Nothing leaves this class but the update and
 * its weight; the caller sums them (plainly in simulation, through secure aggregation on a node).
 */
public final class ParticipantStep {
  private ParticipantStep() {}

  /**
   * What one participant contributes to a round.
   *
   * @param update trained minus global, clipped to the round's norm when it has one
   * @param weight 1 with unit weights, else the number of local examples
   * @param examples examples seen in training (epochs times the data)
   * @param lastEpochLoss mean loss of the last epoch
   * @param trainingNanos time spent training, by the caller's clock
   */
  public record Contribution(float[] update, double weight, long examples, double lastEpochLoss, long trainingNanos,
      io.fedmesh.ml.privacy.RdpBudget recordLevelSpent) {
    /** A contribution trained without DP-SGD. */
    public Contribution(float[] update, double weight, long examples, double lastEpochLoss, long trainingNanos) {
      this(update, weight, examples, lastEpochLoss, trainingNanos, null);
    }
  }

  /**
   * Trains {@code model} from {@code global} on {@code data} and returns the contribution. The model is
   * left holding the trained weights.
   *
   * @param clipNorm the L2 norm the update is clipped to, or 0 for none
   * @param unitWeights whether every participant weighs the same (DP rounds), rather than by its data
   * @param random the training randomness (shuffles); a seeded one only in simulation and tests
   * @param clock nanoseconds (System::nanoTime; a port so tests can fix it)
   * @throws IllegalArgumentException if {@code global} does not fit the model, or the clip norm is negative or not finite
   * @throws NonFiniteUpdateException if training diverged (a NaN or infinite value): refused before clipping
   */
  public static Contribution run(LocalModel model, float[] global, Dataset data, TrainingOptions options, double clipNorm,
      boolean unitWeights, Random random, LongSupplier clock) {
    return run(model, global, data, options, null, clipNorm, unitWeights, random, clock);
  }

  /**
   * As above, training with DP-SGD when {@code dpSgd} is set (record-level DP: per-example clipping and
   * Gaussian noise, Poisson-sampled batches; {@code random} then also draws the batches and the noise, so
   * on a node it must be a cryptographic generator such as {@link io.fedmesh.ml.train.dpsgd.AesCtrRandom#secure()}).
   * The contribution then says what the training spent ({@link Contribution#recordLevelSpent()}).
   */
  public static Contribution run(LocalModel model, float[] global, Dataset data, TrainingOptions options,
      io.fedmesh.ml.train.dpsgd.DpSgdOptions dpSgd, double clipNorm, boolean unitWeights,
      java.util.random.RandomGenerator random, LongSupplier clock) {
    if (clipNorm < 0 || Double.isNaN(clipNorm) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("clip norm must be 0 (none) or positive and finite, got " + clipNorm);
    }
    model.setParameters(global);
    long start = clock.getAsLong();
    LocalModel.TrainingResult trained;
    io.fedmesh.ml.privacy.RdpBudget spent = null;
    if (dpSgd != null) {
      io.fedmesh.ml.train.dpsgd.DpSgdResult r = io.fedmesh.ml.train.dpsgd.DpSgdTrainer.train(model, data, options, dpSgd, global,
          random);
      trained = r.training();
      spent = r.spent();
    } else {
      if (!(random instanceof Random shuffles)) {
        throw new IllegalArgumentException("training without DP-SGD shuffles with a java.util.Random");
      }
      trained = model.train(data, options, global, shuffles);
    }
    long nanos = clock.getAsLong() - start;
    float[] update = model.parameters();
    for (int i = 0; i < update.length; i++) {
      update[i] -= global[i];
      if (!Float.isFinite(update[i])) {
        // Clipping would turn an infinite update into NaN, and one NaN spoils the whole sum: never sent.
        throw new NonFiniteUpdateException("training diverged: the update is " + update[i] + " at parameter " + i
            + " of " + update.length + " (lower the learning rate)");
      }
    }
    if (clipNorm > 0) {
      UpdateClipping.clipInPlace(update, clipNorm);
    }
    return new Contribution(update, unitWeights ? 1 : data.size(), trained.examplesSeen(), trained.lastEpochLoss(), nanos, spent);
  }
}
