package io.fedmesh.ml.strategy;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;

/**
 * What a round asks of its participants.
 *
 * @param participants the clients chosen for the round, ascending (may be empty under Poisson sampling)
 * @param options how each trains locally
 * @param clipNorm the L2 norm each update is clipped to before it is summed, or 0 for none
 * @param unitWeights every update counts once (DP: the sensitivity must not depend on data size);
 *     otherwise each is weighted by its number of training examples
 */
public record FitInstructions(List<Integer> participants, TrainingOptions options, double clipNorm, boolean unitWeights) {
  public FitInstructions {
    participants = List.copyOf(participants);
  }
}
