package io.fedmesh.node.relay;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.metrics.NodeMetrics;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one stream a node behind a firewall keeps open, to a relay from its seed list: when it ends,
 * the node waits a jittered backoff and dials the next seed in the list (round robin), so a dead relay
 * is replaced by the next one and a brief outage costs one short wait. Each new stream is announced
 * to the node's membership ("attached via R"), which spreads it in signed ALIVE news.
 */
public final class Uplink implements AutoCloseable {
  /** A stream that stayed up this long was healthy: the next loss starts the backoff afresh. */
  static final long HEALTHY_MILLIS = 10_000;

  private final List<NodeConfig.Seed> relays;
  private final ConnectStreams streams;
  private final EnvelopeRouter router;
  private final ReconnectBackoff backoff;
  private final Consumer<NodeId> attachedVia;
  private final NodeMetrics metrics;
  private final ScheduledExecutorService timer;
  private final java.time.Clock clock;
  private int next;
  private volatile EnvelopeLink current;
  private volatile NodeId currentRelay;
  private volatile boolean closed;

  /**
   * @param relays reachable nodes to attach through, tried in order
   * @param attachedVia told of each new stream, with the relay it goes to
   * @param timer runs the reconnects (one thread is plenty)
   */
  public Uplink(List<NodeConfig.Seed> relays, ConnectStreams streams, EnvelopeRouter router, ReconnectBackoff backoff,
      Consumer<NodeId> attachedVia, NodeMetrics metrics, ScheduledExecutorService timer, java.time.Clock clock) {
    if (relays.isEmpty()) {
      throw new IllegalArgumentException("a node behind a firewall needs at least one seed to relay through");
    }
    this.relays = List.copyOf(relays);
    // (A node never relays through itself: NodeServer leaves it out of the list.)
    this.streams = streams;
    this.router = router;
    this.backoff = backoff;
    this.attachedVia = attachedVia;
    this.metrics = metrics;
    this.timer = timer;
    this.clock = clock;
  }

  public void start() {
    timer.execute(this::dial);
  }

  /** Whether a stream to a relay is open now. */
  public boolean connected() {
    EnvelopeLink link = current;
    return link != null && !link.isClosed();
  }

  /** The relay of the open stream, or null. */
  public NodeId relay() {
    return connected() ? currentRelay : null;
  }

  private synchronized void dial() {
    if (closed) {
      return;
    }
    NodeConfig.Seed seed = relays.get(next % relays.size());
    next = (next + 1) % relays.size();
    long opened = clock.millis();
    EnvelopeLink link;
    try {
      link = streams.open(seed.id(), seed.address(), router, () -> attachedVia.accept(seed.id()), lost -> lost(lost, opened));
    } catch (IllegalStateException cannotDial) {
      scheduleRetry();
      return;
    }
    current = link;
    currentRelay = seed.id();
    router.uplink(link);
  }

  /**
   * This node's membership suspects {@code relay}, its relay right now (its probes of it went
   * unanswered): leave it for the next seed rather than wait for the connection to time out.
   */
  public synchronized void abandon(NodeId relay) {
    EnvelopeLink link = current;
    if (link != null && relay.equals(currentRelay)) {
      link.complete();
      lost(link, clock.millis());
    }
  }

  private synchronized void lost(EnvelopeLink link, long openedMillis) {
    if (link != current || closed) {
      return;
    }
    current = null;
    router.uplink(null);
    if (clock.millis() - openedMillis >= HEALTHY_MILLIS) {
      backoff.reset();
    }
    scheduleRetry();
  }

  private void scheduleRetry() {
    metrics.relayReconnect();
    try {
      timer.schedule(this::dial, backoff.nextDelayMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // The node is shutting down.
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    EnvelopeLink link = current;
    if (link != null) {
      link.complete();
    }
  }
}
