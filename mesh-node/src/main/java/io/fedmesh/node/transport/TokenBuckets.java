package io.fedmesh.node.transport;

import io.fedmesh.crypto.identity.NodeId;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One token bucket per authenticated node: each peer may spend {@code ratePerSecond} on average, in
 * bursts of up to {@code burst}, and one peer's spending never touches another's. The caller passes the
 * time (sans clock), so tests run in virtual time. Thread-safe.
 *
 * <p>Memory is bounded: a peer whose bucket has refilled is indistinguishable from one never seen, so
 * such buckets are dropped once more than {@link #MAX_TRACKED} peers are tracked.
 */
public final class TokenBuckets {
  /** Peers tracked before full buckets are dropped (each costs a few dozen bytes). */
  static final int MAX_TRACKED = 10_000;

  private static final class Bucket {
    double tokens;
    long atNanos;
  }

  private final double ratePerNano;
  private final double burst;
  private final Map<NodeId, Bucket> buckets = new HashMap<>();

  /** @throws IllegalArgumentException if rate or burst is not positive */
  public TokenBuckets(double ratePerSecond, int burst) {
    if (!(ratePerSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("a rate limit needs a positive rate and burst, got " + ratePerSecond + "/s, burst " + burst);
    }
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
  }

  /** Takes {@code cost} tokens from {@code peer}'s bucket if it holds them; false (and nothing taken) if not. */
  public synchronized boolean tryTake(NodeId peer, int cost, long nowNanos) {
    Bucket b = buckets.get(peer);
    if (b == null) {
      if (buckets.size() >= MAX_TRACKED) {
        dropRefilled(nowNanos);
      }
      b = new Bucket();
      b.tokens = burst;
      b.atNanos = nowNanos;
      buckets.put(peer, b);
    }
    long elapsed = Math.max(0, nowNanos - b.atNanos);
    b.tokens = Math.min(burst, b.tokens + elapsed * ratePerNano);
    b.atNanos = Math.max(b.atNanos, nowNanos);
    if (b.tokens < cost) {
      return false;
    }
    b.tokens -= cost;
    return true;
  }

  public boolean tryTake(NodeId peer, long nowNanos) {
    return tryTake(peer, 1, nowNanos);
  }

  /** Peers tracked now (for tests). */
  synchronized int tracked() {
    return buckets.size();
  }

  private void dropRefilled(long nowNanos) {
    // Amortised: runs only when the map is full, and then empties it of every idle peer at once. A
    // flood of more distinct certificates than this (all busy) keeps growing it: see docs/operations.md.
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      Bucket b = it.next();
      if (b.tokens + Math.max(0, nowNanos - b.atNanos) * ratePerNano >= burst) {
        it.remove();
      }
    }
  }
}
