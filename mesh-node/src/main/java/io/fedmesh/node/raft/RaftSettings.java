package io.fedmesh.node.raft;

import java.time.Duration;

/**
 * Ratis timing and log bounds for a node's federation groups.
 *
 * @param electionTimeoutMin a follower that hears nothing from its leader for a random time between
 *     these two starts an election
 * @param electionTimeoutMax see above
 * @param requestTimeout how long one Raft RPC may take
 * @param snapshotEveryEntries entries between snapshots (the log is purged up to each)
 */
public record RaftSettings(Duration electionTimeoutMin, Duration electionTimeoutMax, Duration requestTimeout,
                           long snapshotEveryEntries) {
  public RaftSettings {
    if (electionTimeoutMin.isNegative() || electionTimeoutMin.isZero() || electionTimeoutMax.compareTo(electionTimeoutMin) < 0) {
      throw new IllegalArgumentException("election timeouts need 0 < min <= max, got " + electionTimeoutMin + ", " + electionTimeoutMax);
    }
    if (snapshotEveryEntries < 1) {
      throw new IllegalArgumentException("snapshotEveryEntries must be positive");
    }
  }

  /**
   * 500-1000 ms election timeouts, 10 s requests, a snapshot every 1000 entries. A dead leader is noticed
   * after one to two timeouts; with these, `fedmesh bench election` measures a median failover (kill to
   * the new coordinator's committed announcement) under 2 s on loopback (mesh-bench/README.md). Raise
   * them where links between firms are slow or machines pause for long: a timeout shorter than a pause
   * costs a needless election.
   */
  public static RaftSettings defaults() {
    return new RaftSettings(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofSeconds(10), 1000);
  }
}
