package io.fedmesh.node.transport;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses replayed envelopes: each sender's message id is accepted once, and only if its send time is
 * within the window of now (either side, for clock skew). An id need only be remembered for twice the
 * window: after that, its envelope is refused for its age anyway. Thread-safe. Memory is bounded twice:
 * in all, and per sender, so one member flooding a node fills only its own share and cannot make the
 * node refuse everyone else.
 */
public final class ReplayWindow {
  /** Why an envelope is refused here, or null when it is fresh. */
  public enum Verdict { FRESH, OUTSIDE_WINDOW, REPLAYED, FULL }

  /** Ids remembered at most; beyond, envelopes are refused until old ids expire (a flood, not a workload). */
  public static final int MAX_REMEMBERED = 1_000_000;
  /** Ids remembered per sender at most: 100,000 in twice the window is ~400 envelopes a second, sustained. */
  public static final int MAX_PER_SENDER = 100_000;

  private record Seen(NodeId sender, long expiresMillis) {}

  private final long windowMillis;
  private final Map<ByteString, Seen> seen = new ConcurrentHashMap<>();
  private final Map<NodeId, Integer> perSender = new ConcurrentHashMap<>();
  private volatile long nextSweepMillis;

  public ReplayWindow(long windowMillis) {
    if (windowMillis <= 0) {
      throw new IllegalArgumentException("replay window must be positive, got " + windowMillis + " ms");
    }
    this.windowMillis = windowMillis;
  }

  public Verdict check(NodeId sender, ByteString messageId, long sentAtMillis, long nowMillis) {
    if (Math.abs(nowMillis - sentAtMillis) > windowMillis) {
      return Verdict.OUTSIDE_WINDOW;
    }
    if (nowMillis >= nextSweepMillis) {
      sweep(nowMillis);
    }
    if (seen.size() >= MAX_REMEMBERED || perSender.getOrDefault(sender, 0) >= MAX_PER_SENDER) {
      sweep(nowMillis);
      if (seen.size() >= MAX_REMEMBERED || perSender.getOrDefault(sender, 0) >= MAX_PER_SENDER) {
        return Verdict.FULL;
      }
    }
    // Keyed by sender and id: another node reusing an id it saw (a relay, say) cannot get this one refused.
    ByteString key = ByteString.copyFrom(sender.toBytes()).concat(messageId);
    Seen previous = seen.putIfAbsent(key, new Seen(sender, sentAtMillis + 2 * windowMillis));
    if (previous != null) {
      return Verdict.REPLAYED;
    }
    perSender.merge(sender, 1, Integer::sum);
    return Verdict.FRESH;
  }

  /** Ids remembered now (for tests and metrics). */
  public int remembered() {
    return seen.size();
  }

  private void sweep(long nowMillis) {
    nextSweepMillis = nowMillis + windowMillis / 4 + 1;
    for (Iterator<Map.Entry<ByteString, Seen>> it = seen.entrySet().iterator(); it.hasNext(); ) {
      Seen s = it.next().getValue();
      if (s.expiresMillis() < nowMillis) {
        it.remove();
        perSender.computeIfPresent(s.sender(), (node, count) -> count <= 1 ? null : count - 1);
      }
    }
  }
}
