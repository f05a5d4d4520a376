package io.fedmesh.node.config;

import io.fedmesh.coordinator.federation.ParticipantPolicy;

/**
 * How this node takes part in one federation's rounds (an entry of the config's {@code participant:}
 * section): its local data, the share of it kept back for federated evaluation, and the policy it
 * checks every invitation against, whatever the coordinator says.
 *
 * @param federation the federation (it has a {@code rounds:} section in the same config)
 * @param data where the local rows come from
 * @param holdout fraction of the local rows kept for federated evaluation, never trained on; in (0, 0.9]
 * @param holdoutSeed seed of the random choice of those rows (the same seed, the same split)
 * @param policy what this node insists on before it trains or reveals anything
 */
public record ParticipantSettings(String federation, DataSource data, double holdout, long holdoutSeed,
    ParticipantPolicy policy) {

  public ParticipantSettings {
    if (federation == null || data == null || policy == null) {
      throw new IllegalArgumentException("a participant section needs a federation, data and a policy");
    }
    if (!(holdout > 0 && holdout <= 0.9)) {
      throw new IllegalArgumentException("holdout must be in (0, 0.9], got " + holdout);
    }
  }

  /** Defaults for everything but the federation and the data: holdout 0.2, holdout seed 1, the default policy. */
  public static ParticipantSettings defaults(String federation, DataSource data) {
    return new ParticipantSettings(federation, data, 0.2, 1, ParticipantPolicy.defaults());
  }
}
