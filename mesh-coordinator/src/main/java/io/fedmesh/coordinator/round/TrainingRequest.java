package io.fedmesh.coordinator.round;

import io.fedmesh.ml.train.TrainingOptions;

/**
 * What a participant trains with in one round: local options, the clip norm, and how its weight is
 * found (1, or min(examples, cap) scaled to the round's weight grid by the engine), and the round's
 * DP-SGD (record-level DP in local training), or null for none.
 */
public record TrainingRequest(long round, TrainingOptions options, double clipNorm, boolean unitWeights, long weightCap,
    io.fedmesh.ml.train.dpsgd.DpSgdOptions dpSgd) {
  /** A request without DP-SGD. */
  public TrainingRequest(long round, TrainingOptions options, double clipNorm, boolean unitWeights, long weightCap) {
    this(round, options, clipNorm, unitWeights, weightCap, null);
  }
}
