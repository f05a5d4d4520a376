package io.fedmesh.node.transport;

import com.google.protobuf.ByteString;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses replayed envelopes: each message id is accepted once, and only if its send time is within
 * the window of now (either side, for clock skew). An id need only be remembered for twice the window:
 * after that, its envelope is refused for its age anyway. Thread-safe; memory is bounded by the
 * envelopes a node accepts in twice the window.
 */
public final class ReplayWindow {
  /** Why an envelope is refused here, or null when it is fresh. */
  public enum Verdict { FRESH, OUTSIDE_WINDOW, REPLAYED, FULL }

  /** Ids remembered at most; beyond, envelopes are refused until old ids expire (a flood, not a workload). */
  public static final int MAX_REMEMBERED = 1_000_000;

  private final long windowMillis;
  private final Map<ByteString, Long> seen = new ConcurrentHashMap<>();
  private volatile long nextSweepMillis;

  public ReplayWindow(long windowMillis) {
    if (windowMillis <= 0) {
      throw new IllegalArgumentException("replay window must be positive, got " + windowMillis + " ms");
    }
    this.windowMillis = windowMillis;
  }

  public Verdict check(ByteString messageId, long sentAtMillis, long nowMillis) {
    if (Math.abs(nowMillis - sentAtMillis) > windowMillis) {
      return Verdict.OUTSIDE_WINDOW;
    }
    if (nowMillis >= nextSweepMillis) {
      sweep(nowMillis);
    }
    if (seen.size() >= MAX_REMEMBERED) {
      sweep(nowMillis);
      if (seen.size() >= MAX_REMEMBERED) {
        return Verdict.FULL;
      }
    }
    Long previous = seen.putIfAbsent(messageId, sentAtMillis + 2 * windowMillis);
    return previous == null ? Verdict.FRESH : Verdict.REPLAYED;
  }

  /** Ids remembered now (for tests and metrics). */
  public int remembered() {
    return seen.size();
  }

  private void sweep(long nowMillis) {
    nextSweepMillis = nowMillis + windowMillis / 4 + 1;
    for (Iterator<Map.Entry<ByteString, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue() < nowMillis) {
        it.remove();
      }
    }
  }
}
