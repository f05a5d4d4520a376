package io.fedmesh.node.relay;

import java.util.Random;

/**
 * How long a node behind a firewall waits before dialing its next relay: exponential from
 * {@code baseMillis}, capped at {@code maxMillis}, with "equal jitter" (half fixed, half random), so
 * nodes that lost the same relay do not all dial the next one in the same instant, and none waits
 * longer than the cap. A stream that stayed up resets it.
 */
public final class ReconnectBackoff {
  private final long baseMillis;
  private final long maxMillis;
  private final Random random;
  private int failures;

  public ReconnectBackoff(long baseMillis, long maxMillis, Random random) {
    if (baseMillis < 1 || maxMillis < baseMillis || maxMillis > 3_600_000) {
      throw new IllegalArgumentException("need 1 <= base <= max <= 3600000 ms, got base " + baseMillis + " ms, max " + maxMillis + " ms");
    }
    this.baseMillis = baseMillis;
    this.maxMillis = maxMillis;
    this.random = random;
  }

  /** The wait before the next attempt, after one more failure. */
  public long nextDelayMillis() {
    long ceiling = Math.min(maxMillis, baseMillis << Math.min(failures, 30));
    failures++;
    return ceiling / 2 + (long) (random.nextDouble() * (ceiling - ceiling / 2));
  }

  /** A stream came up: the next loss starts again from the base delay. */
  public void reset() {
    failures = 0;
  }

  public long maxMillis() {
    return maxMillis;
  }
}
