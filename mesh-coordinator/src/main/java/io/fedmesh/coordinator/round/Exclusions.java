package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.identity.NodeId;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Members a coordinator leaves out of its next cohorts, and until which round: those that advertised
 * their keys and then withheld their graph nonce, which aborts a malicious-server round (every
 * advertiser's nonce seeds the graph). Without this, one member could abort every round, and after
 * {@code max_consecutive_aborts} of them the honest participants would stop answering the coordinator.
 * A coordinator learns nothing new by leaving a member out (it chooses cohorts anyway).
 */
public final class Exclusions {
  /** Rounds a member that withheld its graph nonce sits out. */
  public static final int ROUNDS = 10;

  private final Map<NodeId, Long> until = new HashMap<>();

  /** Leaves {@code nodes} out of every round up to and including {@code lastRound}. */
  public void exclude(Collection<NodeId> nodes, long lastRound) {
    nodes.forEach(n -> until.merge(n, lastRound, Math::max));
  }

  /** The candidates that may be invited to {@code round}. */
  public List<NodeId> filter(List<NodeId> candidates, long round) {
    until.values().removeIf(last -> last < round);
    return candidates.stream().filter(n -> !until.containsKey(n)).toList();
  }

  /** How many members sit out now. */
  public int size() {
    return until.size();
  }
}
