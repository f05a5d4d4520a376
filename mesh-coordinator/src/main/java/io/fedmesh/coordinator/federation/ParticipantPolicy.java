package io.fedmesh.coordinator.federation;

import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.crypto.identity.NodeId;
import java.util.Optional;
import java.util.Set;

/**
 * What a participant insists on, whatever the coordinator says (the {@code policy:} of its
 * participant section): checked against every invitation before it trains or reveals anything.
 *
 * @param requireMaliciousServer only rounds in SecAgg+'s malicious-server mode (the default, and the
 *     only mode a node accepts over the wire unless an operator turns this off for a test)
 * @param minCohort the fewest cohort members a round may have
 * @param minThreshold the lowest Shamir threshold t a round may use
 * @param targetDropout the dropout fraction the round's k and t must tolerate ({@code ParameterFinder.checkManual})
 * @param targetCorrupt the corrupt fraction the round's k and t must tolerate
 * @param coordinators the nodes it accepts as coordinator (empty: the federation config's coordinator)
 * @param maxConsecutiveAborts after this many aborted rounds in a row from one coordinator it stops
 *     answering that coordinator's invitations (until the node restarts or an operator resets it)
 * @param privacyCap the most its rounds under distributed DP or DP-SGD may spend on its data (the
 *     participant section's {@code privacy_cap}); null: no cap, though its ledger still records the spend
 */
public record ParticipantPolicy(boolean requireMaliciousServer, int minCohort, int minThreshold, double targetDropout,
    double targetCorrupt, Set<NodeId> coordinators, int maxConsecutiveAborts, PrivacyCap privacyCap) {

  /** A policy without a privacy cap. */
  public ParticipantPolicy(boolean requireMaliciousServer, int minCohort, int minThreshold, double targetDropout,
      double targetCorrupt, Set<NodeId> coordinators, int maxConsecutiveAborts) {
    this(requireMaliciousServer, minCohort, minThreshold, targetDropout, targetCorrupt, coordinators, maxConsecutiveAborts, null);
  }

  public ParticipantPolicy {
    coordinators = Set.copyOf(coordinators);
    if (minCohort < 2 || minCohort > 100_000) {
      throw new IllegalArgumentException("policy.min_cohort must be in [2, 100000], got " + minCohort);
    }
    if (minThreshold < 2) {
      throw new IllegalArgumentException("policy.min_threshold must be at least 2, got " + minThreshold);
    }
    if (!(targetDropout >= 0 && targetDropout < 0.5) || !(targetCorrupt >= 0 && targetCorrupt < 0.5)) {
      throw new IllegalArgumentException("policy dropout and corrupt fractions must be in [0, 0.5)");
    }
    if (maxConsecutiveAborts < 1) {
      throw new IllegalArgumentException("policy.max_consecutive_aborts must be at least 1, got " + maxConsecutiveAborts);
    }
  }

  public static ParticipantPolicy defaults() {
    return new ParticipantPolicy(true, 3, 2, 0.1, 0.05, Set.of(), 5);
  }

  /** This policy accepting exactly {@code accepted} as coordinators. */
  public ParticipantPolicy withCoordinators(Set<NodeId> accepted) {
    return new ParticipantPolicy(requireMaliciousServer, minCohort, minThreshold, targetDropout, targetCorrupt, accepted,
        maxConsecutiveAborts, privacyCap);
  }

  /** This policy with {@code cap} as its privacy cap (null: none). */
  public ParticipantPolicy withPrivacyCap(PrivacyCap cap) {
    return new ParticipantPolicy(requireMaliciousServer, minCohort, minThreshold, targetDropout, targetCorrupt, coordinators,
        maxConsecutiveAborts, cap);
  }

  /** The privacy cap, if there is one. */
  public Optional<PrivacyCap> cap() {
    return Optional.ofNullable(privacyCap);
  }
}
