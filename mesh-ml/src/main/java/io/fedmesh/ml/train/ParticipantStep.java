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
    return run(model, global, null, data, options, dpSgd, clipNorm, unitWeights, random, clock);
  }

  /**
   * A personalising participant's part (FedPer): trains from {@code global} with its private layers
   * taken from {@code own} (its personal model of the last committed round; null before its first), and
   * sends the shared layers' update only: the private coordinates of the update are zero, so nothing of
   * them is in the sum. The trained model, private layers included, is returned to be kept.
   *
   * @param privateLayers the private coordinates
   */
  public static PersonalContribution runPersonal(LocalModel model, float[] global, float[] own, PrivateLayers privateLayers,
      Dataset data, TrainingOptions options, io.fedmesh.ml.train.dpsgd.DpSgdOptions dpSgd, double clipNorm,
      boolean unitWeights, java.util.random.RandomGenerator random, LongSupplier clock) {
    float[] start = own == null ? global : privateLayers.merge(global, own);
    Contribution c = run(model, start, privateLayers, data, options, dpSgd, clipNorm, unitWeights, random, clock);
    return new PersonalContribution(c, model.parameters());
  }

  /**
   * What a personalising participant contributes and keeps.
   *
   * @param contribution its update is zero on the private layers
   * @param personalModel the model it trained, private layers included (kept once the round commits)
   */
  public record PersonalContribution(Contribution contribution, float[] personalModel) {}

  /**
   * The personalised model a participant evaluates: {@code global} with its own private layers (if any),
   * fine-tuned for {@code epochs} local epochs (0: none) with the federation's local options, without a
   * proximal term. Nothing of it leaves the participant. The model is left holding it, ready to evaluate.
   */
  public static float[] personalise(LocalModel model, float[] global, float[] own, PrivateLayers privateLayers, Dataset data,
      TrainingOptions options, int epochs, Random random) {
    float[] start = own == null || privateLayers == null ? global : privateLayers.merge(global, own);
    model.setParameters(start);
    if (epochs > 0 && data.size() > 0) {
      model.train(data, new TrainingOptions(options.optimizer(), options.learningRate(), epochs, options.batchSize(), 0),
          null, random);
    }
    return model.parameters();
  }

  private static Contribution run(LocalModel model, float[] global, PrivateLayers privateLayers, Dataset data,
      TrainingOptions options, io.fedmesh.ml.train.dpsgd.DpSgdOptions dpSgd, double clipNorm, boolean unitWeights,
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
    if (privateLayers != null) {
      privateLayers.zeroPrivate(update); // before clipping: the shared layers get the whole clip
    }
    if (clipNorm > 0) {
      UpdateClipping.clipInPlace(update, clipNorm);
    }
    return new Contribution(update, unitWeights ? 1 : data.size(), trained.examplesSeen(), trained.lastEpochLoss(), nanos, spent);
  }

  /**
   * A SCAFFOLD participant's part: the summed vector {@code [dy | s dc]} and the control variate it keeps.
   *
   * @param contribution its update is the summed vector (2n values), each half within the clip norm
   * @param clientControl c_i+, to keep once the round commits
   */
  public record ScaffoldContribution(Contribution contribution, float[] clientControl) {}

  /**
   * SCAFFOLD's client step (Karimireddy et al. 2020, option II): trains from {@code global} with every
   * gradient corrected by c - c_i, then c_i+ = c_i - c + (x - y) / (K eta_l) over its K local steps.
   * The model delta dy and the scaled control delta s dc (s = eta_l, {@link
   * io.fedmesh.ml.strategy.Scaffold#controlScale}) are each clipped to {@code clipNorm}, and c_i+ is taken
   * from the clipped control delta, so that what this participant keeps is what the server adds.
   *
   * @param serverControl c, from the global state
   * @param clientControl c_i, or null before this participant's first SCAFFOLD round (zero)
   */
  public static ScaffoldContribution runScaffold(LocalModel model, float[] global, float[] serverControl,
      float[] clientControl, Dataset data, TrainingOptions options, double clipNorm, boolean unitWeights, Random random,
      LongSupplier clock) {
    int n = global.length;
    if (serverControl.length != n || (clientControl != null && clientControl.length != n)) {
      throw new IllegalArgumentException("control variates must have the model's " + n + " values");
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("SCAFFOLD clips both deltas; the clip norm must be positive, got " + clipNorm);
    }
    float[] ci = clientControl != null ? clientControl : new float[n];
    float[] correction = new float[n];
    for (int i = 0; i < n; i++) {
      correction[i] = serverControl[i] - ci[i];
    }
    model.setParameters(global);
    long start = clock.getAsLong();
    LocalModel.TrainingResult trained = model.train(data, options, global, correction, random);
    long nanos = clock.getAsLong() - start;
    float[] y = model.parameters();
    long steps = (long) options.epochs() * ((data.size() + options.batchSize() - 1) / options.batchSize());
    if (steps == 0) {
      throw new IllegalArgumentException("no local training data");
    }
    double scale = io.fedmesh.ml.strategy.Scaffold.controlScale(options);
    float[] summed = new float[2 * n];
    for (int i = 0; i < n; i++) {
      double dy = (double) y[i] - global[i];
      if (!Double.isFinite(dy) || !Float.isFinite(y[i])) {
        throw new NonFiniteUpdateException("training diverged: the update is " + y[i] + " at parameter " + i
            + " of " + n + " (lower the learning rate)");
      }
      summed[i] = (float) dy;
      // s dc = s (-c + (x - y) / (K eta_l)) = -s c - dy s / (K eta_l)
      summed[n + i] = (float) (-scale * serverControl[i] - dy * scale / (steps * options.learningRate()));
    }
    float[] dy = java.util.Arrays.copyOfRange(summed, 0, n);
    float[] dc = java.util.Arrays.copyOfRange(summed, n, 2 * n);
    UpdateClipping.clipInPlace(dy, clipNorm);
    UpdateClipping.clipInPlace(dc, clipNorm);
    System.arraycopy(dy, 0, summed, 0, n);
    System.arraycopy(dc, 0, summed, n, n);
    float[] next = new float[n];
    for (int i = 0; i < n; i++) {
      next[i] = (float) (ci[i] + dc[i] / scale);
    }
    Contribution c = new Contribution(summed, unitWeights ? 1 : data.size(), trained.examplesSeen(), trained.lastEpochLoss(),
        nanos, null);
    return new ScaffoldContribution(c, next);
  }
}
