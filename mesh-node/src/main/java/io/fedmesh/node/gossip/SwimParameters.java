package io.fedmesh.node.gossip;

/**
 * SWIM timing, defaulting to hashicorp/memberlist's LAN profile: probe one member a second, give it
 * 500 ms before asking 3 others to probe it, suspect it if nobody got an answer within the period, and
 * declare it dead after a suspicion timeout unless it refutes: {@code suspicionMult x max(1, log10(n))
 * x probeInterval} once 3 members confirm, up to {@code suspicionMaxTimeoutMult} times that with none.
 * Each piece of news is piggybacked {@code retransmitMult x ceil(log10(n + 1))} times, up to
 * {@code maxPiggyback} pieces a message, which spreads it to all n members in O(log n) periods. Gossip
 * rides on gRPC, not on 1,400-byte UDP packets as in memberlist, so a message carries up to 32 pieces
 * (a burst of joins spreads without queueing). Every {@code syncIntervalMillis} a node also pulls the
 * whole membership from a random live member (memberlist's push-pull, every 30 s on LAN; 10 s here),
 * which bounds how long any news can stay unheard.
 *
 * <p>A member behind a firewall is probed only by its relay, which vouches for it ("attached via R").
 * When the relay dies, or the member's stream to it closes, the member is suspected only after
 * {@code relayGraceMillis} (default 10 s, longer than a node's longest reconnect backoff), so the
 * death of a relay does not fail every node behind it at once: each has that long to attach elsewhere
 * and say so in new ALIVE news.
 */
public record SwimParameters(long probeIntervalMillis, long probeTimeoutMillis, int indirectChecks, int suspicionMult,
    int suspicionMaxTimeoutMult, int retransmitMult, int maxPiggyback, long syncIntervalMillis, long relayGraceMillis) {

  public SwimParameters {
    if (probeIntervalMillis < 10 || probeTimeoutMillis < 1 || probeTimeoutMillis >= probeIntervalMillis) {
      throw new IllegalArgumentException("need 10 ms <= probe interval and 0 < probe timeout < probe interval");
    }
    if (indirectChecks < 0 || suspicionMult < 1 || suspicionMaxTimeoutMult < 1 || retransmitMult < 1 || maxPiggyback < 1
        || syncIntervalMillis < probeIntervalMillis) {
      throw new IllegalArgumentException("indirect checks >= 0, suspicion and retransmit multipliers >= 1, piggyback >= 1");
    }
    if (relayGraceMillis < probeIntervalMillis) {
      throw new IllegalArgumentException("the relay grace period must be at least one probe interval");
    }
    // Beyond these a mesh cannot be said to detect failures at all (and timeouts would overflow).
    if (probeIntervalMillis > 60_000 || relayGraceMillis > 3_600_000) {
      throw new IllegalArgumentException("need probe interval <= 60000 ms and relay grace <= 3600000 ms");
    }
  }

  public static SwimParameters lan() {
    return new SwimParameters(1000, 500, 3, 4, 6, 4, 32, 10_000, 10_000);
  }

  /** The same timing with another relay grace period. */
  public SwimParameters withRelayGrace(long millis) {
    return new SwimParameters(probeIntervalMillis, probeTimeoutMillis, indirectChecks, suspicionMult, suspicionMaxTimeoutMult,
        retransmitMult, maxPiggyback, syncIntervalMillis, millis);
  }

  /** The shortest a member stays suspect before it is declared dead, in a mesh of {@code members}. */
  public long suspicionTimeoutMillis(int members) {
    return (long) (suspicionMult * Math.max(1.0, Math.log10(Math.max(1, members))) * probeIntervalMillis);
  }

  /**
   * How long a suspicion lasts given how many members besides the first have independently confirmed
   * it (Lifeguard, Dadgar et al. 2018, as memberlist does): {@code suspicionMaxTimeoutMult} times the
   * shortest with no confirmation, falling logarithmically to the shortest at {@code indirectChecks}
   * confirmations. A real failure is confirmed fast; one member's lossy link is not, and the suspect
   * has time to refute.
   */
  public long suspicionTimeoutMillis(int members, int confirmations) {
    long min = suspicionTimeoutMillis(members);
    long max = min * suspicionMaxTimeoutMult;
    int k = Math.max(1, indirectChecks);
    double fraction = Math.log(Math.min(confirmations, k) + 1.0) / Math.log(k + 1.0);
    return Math.max(min, (long) (max - (max - min) * fraction));
  }

  /** How many times each update is piggybacked, in a mesh of {@code members}. */
  public int retransmitLimit(int members) {
    return retransmitMult * (int) Math.ceil(Math.log10(members + 1.0));
  }
}
