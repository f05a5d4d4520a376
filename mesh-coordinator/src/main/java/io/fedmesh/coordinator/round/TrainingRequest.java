package io.fedmesh.coordinator.round;

import io.fedmesh.ml.train.TrainingOptions;

/**
 * What a participant trains with in one round: local options, the clip norm, and how its weight is
 * found (1, or min(examples, cap) scaled to the round's weight grid by the engine), and the round's
 * DP-SGD (record-level DP in local training), or null for none; and in a SCAFFOLD round the server
 * control variate c (the participant returns {@code [dy | s dc]}, twice the model's length), else null.
 */
public record TrainingRequest(long round, TrainingOptions options, double clipNorm, boolean unitWeights, long weightCap,
    io.fedmesh.ml.train.dpsgd.DpSgdOptions dpSgd, float[] serverControl) {
  /** A request of a round that is not SCAFFOLD's ({@code serverControl} null). */
  public TrainingRequest(long round, TrainingOptions options, double clipNorm, boolean unitWeights, long weightCap,
      io.fedmesh.ml.train.dpsgd.DpSgdOptions dpSgd) {
    this(round, options, clipNorm, unitWeights, weightCap, dpSgd, null);
  }

  /** A request without DP-SGD. */
  public TrainingRequest(long round, TrainingOptions options, double clipNorm, boolean unitWeights, long weightCap) {
    this(round, options, clipNorm, unitWeights, weightCap, null);
  }
}
