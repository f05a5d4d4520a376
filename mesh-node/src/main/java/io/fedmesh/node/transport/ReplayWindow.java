package io.fedmesh.node.transport;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Refuses replayed envelopes: each sender's message id is accepted once, and only if its send time is
 * within the window of now (either side, for clock skew). An id need only be remembered for twice the
 * window from when it arrived: after that, its envelope is refused for its age anyway. Thread-safe.
 *
 * <p>Ids expire in arrival order, from the head of one queue: O(1) amortised per envelope, never a
 * sweep of the whole map. Memory is bounded twice. Per sender: a sender at {@link #MAX_PER_SENDER} is
 * refused ({@link Verdict#FULL}), nobody else. In all: once {@link #MAX_REMEMBERED} ids are held, the
 * sender holding the most gives up its oldest id to make room, and from then on its envelopes sent at
 * or before that id's send time are refused ({@link Verdict#FORGOTTEN}): forgetting an id never lets it
 * be replayed, and the cost falls on the heaviest sender, not on whoever arrives next. So ten, or a
 * hundred, flooding senders cannot make the node refuse an honest one; what many certificates can do
 * is make an honest sender the heaviest (each flooder holding just less than it), and then only its
 * envelopes delayed past the oldest it still has are refused.
 */
public final class ReplayWindow {
  /** What became of an envelope's id here. */
  public enum Verdict { FRESH, OUTSIDE_WINDOW, REPLAYED, FULL, FORGOTTEN }

  /** Ids remembered at most (about 200 bytes each); beyond, the heaviest sender's oldest make room. */
  public static final int MAX_REMEMBERED = 1_000_000;
  /** Ids remembered per sender at most: 100,000 in twice the window is ~400 envelopes a second, sustained. */
  public static final int MAX_PER_SENDER = 100_000;

  private static final class Entry {
    final ByteString key;
    final Sender sender;
    final long sentAtMillis;
    final long expiresMillis;
    boolean forgotten;

    Entry(ByteString key, Sender sender, long sentAtMillis, long expiresMillis) {
      this.key = key;
      this.sender = sender;
      this.sentAtMillis = sentAtMillis;
      this.expiresMillis = expiresMillis;
    }
  }

  private static final class Sender {
    final NodeId id;
    /** Its ids still remembered, oldest first (a subsequence of the expiry queue). */
    final ArrayDeque<Entry> ids = new ArrayDeque<>();
    /** Envelopes sent at or before this were forgotten under load: refused. */
    long floorMillis = Long.MIN_VALUE;

    Sender(NodeId id) {
      this.id = id;
    }
  }

  private final long windowMillis;
  private final int maxRemembered;
  private final int maxPerSender;
  private final java.util.function.Consumer<String> limitReached;
  private final Map<ByteString, Entry> seen = new HashMap<>();
  private final Map<NodeId, Sender> senders = new HashMap<>();
  /** Every id in arrival order; expiry times never decrease along it. */
  private final ArrayDeque<Entry> expiry = new ArrayDeque<>();
  private long latestMillis = Long.MIN_VALUE;

  public ReplayWindow(long windowMillis) {
    this(windowMillis, MAX_REMEMBERED, MAX_PER_SENDER, limit -> { });
  }

  /**
   * @param limitReached told {@code replay_per_sender} when a sender is refused for its cap, and
   *     {@code replay_forgotten} when an id is forgotten to make room (for metrics)
   */
  public ReplayWindow(long windowMillis, int maxRemembered, int maxPerSender, java.util.function.Consumer<String> limitReached) {
    if (windowMillis <= 0) {
      throw new IllegalArgumentException("replay window must be positive, got " + windowMillis + " ms");
    }
    if (maxPerSender < 1 || maxRemembered < maxPerSender) {
      throw new IllegalArgumentException("need 1 <= ids per sender <= ids in all, got " + maxPerSender + " and " + maxRemembered);
    }
    this.windowMillis = windowMillis;
    this.maxRemembered = maxRemembered;
    this.maxPerSender = maxPerSender;
    this.limitReached = limitReached;
  }

  /**
   * Whether {@code sender}'s {@code messageId} is remembered, without remembering anything: asked before
   * a signature is verified or an allowance charged, so that a replay, by whoever hands it over, costs
   * neither the node a verification nor the sender its allowance.
   */
  public synchronized boolean seen(NodeId sender, ByteString messageId) {
    return seen.containsKey(ByteString.copyFrom(sender.toBytes()).concat(messageId));
  }

  public synchronized Verdict check(NodeId sender, ByteString messageId, long sentAtMillis, long nowMillis) {
    if (Math.abs(nowMillis - sentAtMillis) > windowMillis) {
      return Verdict.OUTSIDE_WINDOW;
    }
    // A clock that steps back must not make expiry times decrease along the queue.
    latestMillis = Math.max(latestMillis, nowMillis);
    expire(nowMillis);
    // Keyed by sender and id: another node reusing an id it saw (a relay, say) cannot get this one refused.
    ByteString key = ByteString.copyFrom(sender.toBytes()).concat(messageId);
    if (seen.containsKey(key)) {
      return Verdict.REPLAYED;
    }
    Sender s = senders.get(sender);
    if (s != null && sentAtMillis <= s.floorMillis) {
      return Verdict.FORGOTTEN;
    }
    if (s != null && s.ids.size() >= maxPerSender) {
      limitReached.accept("replay_per_sender");
      return Verdict.FULL;
    }
    if (seen.size() >= maxRemembered) {
      forgetOldestOfHeaviest();
    }
    if (s == null) {
      s = new Sender(sender);
      senders.put(sender, s);
    }
    Entry e = new Entry(key, s, sentAtMillis, latestMillis + 2 * windowMillis);
    seen.put(key, e);
    s.ids.addLast(e);
    expiry.addLast(e);
    return Verdict.FRESH;
  }

  /** Ids remembered now (for tests and metrics). */
  public synchronized int remembered() {
    return seen.size();
  }

  private void expire(long nowMillis) {
    while (!expiry.isEmpty() && expiry.peekFirst().expiresMillis < nowMillis) {
      Entry e = expiry.pollFirst();
      Sender s = e.sender;
      if (!e.forgotten) {
        seen.remove(e.key);
        s.ids.pollFirst(); // its oldest: ids leave a sender in the order they arrived
      }
      // A floor only matters within the window of an id that arrived no later than this one.
      if (s.ids.isEmpty() && s.floorMillis + windowMillis < nowMillis) {
        senders.remove(s.id, s);
      }
    }
  }

  /**
   * Makes room: the sender holding the most ids forgets its oldest, and raises its floor so that id
   * cannot be replayed. O(senders), and only while the node is full.
   */
  private void forgetOldestOfHeaviest() {
    Sender heaviest = null;
    for (Sender s : senders.values()) {
      if (heaviest == null || s.ids.size() > heaviest.ids.size()) {
        heaviest = s;
      }
    }
    Entry oldest = heaviest.ids.pollFirst();
    oldest.forgotten = true; // its place in the expiry queue goes when it comes up
    seen.remove(oldest.key);
    heaviest.floorMillis = Math.max(heaviest.floorMillis, oldest.sentAtMillis);
    limitReached.accept("replay_forgotten");
  }
}
