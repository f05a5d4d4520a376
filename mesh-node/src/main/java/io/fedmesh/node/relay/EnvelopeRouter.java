package io.fedmesh.node.relay;

import io.fedmesh.crypto.envelope.EnvelopeRejectedException;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.transport.EnvelopeGuard;
import io.fedmesh.node.transport.EnvelopeRefusal;
import io.fedmesh.proto.v1.Envelope;
import io.grpc.Status;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Where each envelope goes, on a node that relays and on one behind a firewall alike. Envelopes for
 * this node are verified (signature by their sender, fresh, addressed here) and handed to the handler
 * of their payload; others are forwarded: down the stream their recipient has open to this node, or
 * else to the recipient (or, for a recipient behind a firewall, its relay) over a stream this node
 * dials. An envelope that already came through one relay is only delivered or sent down an open
 * stream, never dialed onward, so no envelope travels more than two relays or in a loop. A node behind
 * a firewall sends everything up its one stream to its relay.
 *
 * <p>A recipient that reads slowly holds up nobody but itself. The stream an envelope came from may
 * read its next one as soon as this one is queued for its recipient (or dropped), never later: one
 * stream carries envelopes for many recipients, so waiting on any one of them would stall the rest.
 * Each recipient's queue is bounded ({@link EnvelopeLink#MAX_QUEUED_BYTES}); what does not fit is
 * dropped and counted. A stream whose queue waits longer than the stall timeout without taking an
 * envelope is hung up on and counted, whichever end opened it. Every envelope is verified before it
 * is forwarded, so a bad one is the fault of the peer that handed it over, whose stream then ends; a
 * relay is never blamed for what it could not have checked.
 */
public final class EnvelopeRouter implements AutoCloseable {
  /**
   * What membership says of a node: where it takes calls, the relay it is behind, its identity key,
   * and the certificate it announced (null if unknown), checked against the revocation list in force.
   */
  public record Route(String address, NodeId via, VerifyingKey key, java.security.cert.X509Certificate certificate) {}

  /** Told once whether an envelope went out on its stream (true) or was dropped (false). */
  public interface Sent {
    void done(boolean sent);
  }

  /** Refusals that say the peer handing the envelope over is at fault: its stream ends. Others only drop it. */
  private static final java.util.Set<String> PEER_FAULTS = java.util.Set.of("malformed", "kind_mismatch", "bad_signature",
      "sender_mismatch", "sender_not_caller");

  /** Told when a peer's stream to this node opens and closes (the relay vouches for attached nodes). */
  public interface Attachments {
    void attached(NodeId node);

    void detached(NodeId node);
  }

  private final NodeId self;
  private final EnvelopeGuard guard;
  private final NodeMetrics metrics;
  private final ConnectStreams streams;
  private final Map<NodeId, EnvelopeLink> inbound = new ConcurrentHashMap<>();
  private final Map<NodeId, EnvelopeLink> dialed = new ConcurrentHashMap<>();
  private final Map<Envelope.PayloadCase, BiConsumer<Envelope, NodeId>> handlers = new EnumMap<>(Envelope.PayloadCase.class);
  private volatile Function<NodeId, Route> routes = id -> null;
  private volatile Attachments attachments = new Attachments() {
    @Override
    public void attached(NodeId node) {}

    @Override
    public void detached(NodeId node) {}
  };
  private volatile EnvelopeLink uplink;
  private volatile boolean firewalled;
  private final long stallNanos;
  private final io.fedmesh.node.transport.TokenBuckets handedOver;
  private volatile java.util.concurrent.ScheduledFuture<?> stallWatch;
  private volatile java.util.function.Predicate<java.security.cert.X509Certificate> revoked = c -> false;

  /**
   * @param stallMillis how long a stream may leave envelopes queued without taking one before this
   *     node hangs up on it ({@code relay.stall_timeout_ms})
   */
  public EnvelopeRouter(NodeId self, EnvelopeGuard guard, NodeMetrics metrics, ConnectStreams streams, long stallMillis) {
    this(self, guard, metrics, streams, stallMillis, new io.fedmesh.node.transport.TokenBuckets(
        io.fedmesh.node.config.NodeConfig.Limits.defaults().envelopesPerSecond(),
        io.fedmesh.node.config.NodeConfig.Limits.defaults().envelopeBurst()));
  }

  /**
   * @param handedOver envelopes each peer may hand over that are not its own to this node (relayed to
   *     it, or to be forwarded), on average and in a burst: charged to the peer before any signature
   *     is checked, so a peer pays for the verifications its relaying costs, whoever signed them
   */
  public EnvelopeRouter(NodeId self, EnvelopeGuard guard, NodeMetrics metrics, ConnectStreams streams, long stallMillis,
      io.fedmesh.node.transport.TokenBuckets handedOver) {
    this.handedOver = handedOver;
    this.self = self;
    this.guard = guard;
    this.metrics = metrics;
    this.streams = streams;
    this.stallNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(stallMillis);
    metrics.relayStreams(() -> inbound.size(), () -> dialed.size() + (uplink != null && !uplink.isClosed() ? 1 : 0));
  }

  public NodeId self() {
    return self;
  }

  /** Membership's view of every node (read on each routing decision; the gossip loop replaces it). */
  public void routes(Function<NodeId, Route> view) {
    this.routes = view;
  }

  /** Sets who hears of attachments, and tells it of the streams already open (they may predate it). */
  public synchronized void attachments(Attachments listener) {
    this.attachments = listener;
    inbound.keySet().forEach(listener::attached);
  }

  /** Who handles envelopes of one payload type addressed to this node (given the envelope and its verified sender). */
  public synchronized void handle(Envelope.PayloadCase payload, BiConsumer<Envelope, NodeId> handler) {
    handlers.put(payload, handler);
  }

  /** Starts checking, on {@code timer}, for streams that stopped taking envelopes (a few times per stall timeout). */
  public void watchStalls(java.util.concurrent.ScheduledExecutorService timer) {
    long period = Math.max(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10), Math.min(
        java.util.concurrent.TimeUnit.SECONDS.toNanos(1), stallNanos / 4));
    stallWatch = timer.scheduleWithFixedDelay(this::hangUpStalled, period, period, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /**
   * Hangs up on every stream whose queue has waited a whole stall timeout without taking an envelope:
   * its queue is dropped (its senders are told), and the peer may reconnect. A stream the peer opened
   * is detached at once; one this node dialled (its uplink among them) is cancelled and cleaned up as
   * any other that ends.
   */
  void hangUpStalled() {
    long now = System.nanoTime();
    Status status = Status.UNAVAILABLE.withDescription("the stream took no envelope for "
        + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms while some waited: hung up");
    inbound.forEach((peer, link) -> {
      if (link.stalled(now, stallNanos)) {
        metrics.relayLinkClosedSlow();
        detach(peer, link);
        link.abort(status);
      }
    });
    dialed.forEach((peer, link) -> {
      if (link.stalled(now, stallNanos)) {
        metrics.relayLinkClosedSlow();
        dialed.remove(peer, link);
        link.abort(status);
      }
    });
    EnvelopeLink up = uplink;
    if (up != null && up.stalled(now, stallNanos)) {
      metrics.relayLinkClosedSlow();
      up.abort(status); // the uplink hears its stream end and redials the next seed
    }
  }

  /**
   * Which certificates the revocation list in force names: an envelope whose sender's certificate
   * (as membership knows it) is revoked is refused, here and at every hop, whoever relayed it.
   */
  public void revocations(java.util.function.Predicate<java.security.cert.X509Certificate> isRevoked) {
    this.revoked = isRevoked;
  }

  /**
   * The revocation list changed: hangs up on every stream this node dialled to a peer whose
   * certificate (as membership knows it) the list now names, its uplink to a revoked relay among them,
   * which then redials its next seed (the revoked relay's handshake now fails). Streams revoked peers
   * opened to this node are ended with their calls. Call before membership forgets the revoked peers.
   *
   * @return how many streams it hung up on
   */
  public int hangUpRevoked() {
    Status status = Status.UNAUTHENTICATED.withDescription("revoked: the peer's certificate was revoked");
    int closed = 0;
    for (Map.Entry<NodeId, EnvelopeLink> e : dialed.entrySet()) {
      if (revokedPeer(e.getValue()) && dialed.remove(e.getKey(), e.getValue())) {
        e.getValue().abort(status);
        closed++;
      }
    }
    EnvelopeLink up = uplink;
    if (up != null && !up.isClosed() && revokedPeer(up)) {
      up.abort(status);
      closed++;
    }
    return closed;
  }

  /** Whether the peer of a dialled link is revoked: by the certificate it proved itself with, or as membership knows it. */
  private boolean revokedPeer(EnvelopeLink link) {
    java.security.cert.X509Certificate proved = link.provedBy();
    return proved != null ? revoked.test(proved) : senderRevoked(link.peer());
  }

  /** This node is behind a firewall: it relays nothing and sends everything through its uplink. */
  public void firewalled() {
    this.firewalled = true;
  }

  /**
   * Sends an envelope this node wrote. {@code written} runs once it is on its way (or dropped).
   *
   * @return false if there is no route now (counted; SWIM and the transfer layer treat it as loss)
   */
  public boolean send(Envelope envelope, Sent sent) {
    EnvelopeLink link = firewalled ? uplink : routeFor(Envelopes.recipient(envelope));
    if (link == null || !link.offer(envelope, sent)) {
      metrics.relayEnvelope("dropped_no_route");
      return false;
    }
    return true;
  }

  /**
   * An envelope that arrived on a stream whose other end is {@code caller} (authenticated by TLS, with
   * key {@code callerKey}). {@code release} lets that stream read its next envelope; it always runs
   * exactly once, before this returns: once the envelope is handled, queued for its recipient or dropped.
   *
   * @throws EnvelopeRefusal if the caller itself sent something it must not (malformed, or not its own
   *     as the first hop): the stream should end with that status. Faults of envelopes that came through
   *     a relay only drop the envelope, counted.
   */
  public void receive(Envelope envelope, NodeId caller, VerifyingKey callerKey, Runnable release) throws EnvelopeRefusal {
    try {
      try {
        Envelopes.checkStructure(envelope, true);
      } catch (EnvelopeRejectedException e) {
        throw refusal(e);
      }
      NodeId sender = Envelopes.sender(envelope);
      NodeId recipient = Envelopes.recipient(envelope);
      boolean firstHop = sender.equals(caller);
      if (senderRevoked(sender)) {
        // Its key still verifies, so the signature alone would let a revoked node talk through any relay.
        metrics.envelopeRefused("sender_revoked");
        return;
      }
      if (!(firstHop && recipient.equals(self)) && !handedOver.tryTake(caller, System.nanoTime())) {
        // What a peer hands over that is not its own envelope to this node costs this node a
        // verification on the peer's behalf: charged to the peer first, whoever signed it.
        metrics.limitReached("relay_rate");
        metrics.relayEnvelope("dropped_rate_limited");
        return;
      }
      if (!recipient.equals(self) && !firewalled && !reachable(recipient, firstHop)) {
        metrics.relayEnvelope("dropped_no_route"); // before its signature is checked: nowhere to go anyway
        return;
      }
      VerifyingKey key = firstHop ? callerKey : keyOf(sender);
      if (recipient.equals(self)) {
        deliver(envelope, sender, key, firstHop ? null : caller);
        return;
      }
      if (firewalled) {
        metrics.relayEnvelope("dropped_not_for_me");
        return;
      }
      if (key == null) {
        metrics.relayEnvelope("dropped_unknown_sender");
        return;
      }
      try {
        Envelopes.verify(envelope, key);
      } catch (EnvelopeRejectedException e) {
        EnvelopeRefusal refusal = refusal(e);
        metrics.envelopeRefused(refusal.reason());
        throw refusal;
      }
      // A relayed envelope goes only down a stream open to this node: never dialed on, so never in a loop.
      EnvelopeLink link = firstHop ? routeFor(recipient) : inbound.get(recipient);
      if (link == null) {
        metrics.relayEnvelope("dropped_no_route");
        return;
      }
      // Queued is enough to read on: whether the recipient takes it is the recipient's affair.
      boolean queued = link.offer(envelope, sent -> { });
      metrics.relayEnvelope(queued ? "forwarded" : "dropped_link_full");
    } finally {
      release.run();
    }
  }

  /** The relay each firewalled sender's last good envelope came through, for answers that membership cannot route yet. */
  private final Map<NodeId, NodeId> arrivedVia = new ConcurrentHashMap<>();
  private static final int MAX_ARRIVALS_REMEMBERED = 10_000;

  private void rememberArrival(NodeId sender, NodeId relay) {
    if (arrivedVia.size() >= MAX_ARRIVALS_REMEMBERED && !arrivedVia.containsKey(sender)) {
      arrivedVia.clear(); // a hint only: forgetting it costs an answer a route, never correctness
    }
    arrivedVia.put(sender, relay);
  }

  /** @param relay the relay it came through, or null if its sender handed it over itself */
  private void deliver(Envelope envelope, NodeId sender, VerifyingKey key, NodeId relay) throws EnvelopeRefusal {
    try {
      if (key == null) {
        throw new EnvelopeRefusal(Status.Code.FAILED_PRECONDITION, "unknown_sender",
            "the sender " + sender.shortForm() + " is not a member this node knows");
      }
      guard.check(envelope, key);
    } catch (EnvelopeRefusal refusal) {
      metrics.envelopeRefused(refusal.reason());
      if (PEER_FAULTS.contains(refusal.reason())) {
        throw refusal; // forged or altered: the peer that handed it over verified it, or should have
      }
      return; // stale, replayed, from an unknown sender, or this node is busy: dropped, the stream goes on
    }
    if (relay != null) {
      // Before the handler runs: its answer (a transfer's receipt) may go out at once.
      rememberArrival(sender, relay);
    }
    BiConsumer<Envelope, NodeId> handler;
    synchronized (this) {
      handler = handlers.get(envelope.getPayloadCase());
    }
    if (handler == null) {
      metrics.relayEnvelope("dropped_no_handler");
      return;
    }
    metrics.relayEnvelope("delivered");
    handler.accept(envelope, sender);
  }

  /** Whether an envelope for {@code recipient} could be forwarded now (as {@link #receive} would route it). */
  private boolean reachable(NodeId recipient, boolean firstHop) {
    if (!firstHop) {
      EnvelopeLink open = inbound.get(recipient); // a relayed envelope goes only down a stream open to this node
      return open != null && !open.isClosed();
    }
    return hopFor(recipient) != null;
  }

  private boolean senderRevoked(NodeId sender) {
    Route r = routes.apply(sender);
    return r != null && r.certificate() != null && revoked.test(r.certificate());
  }

  private VerifyingKey keyOf(NodeId sender) {
    Route r = routes.apply(sender);
    return r == null ? null : r.key();
  }

  /**
   * The stream to send an envelope for {@code recipient} on: one it has open to this node; else, if
   * it announced an address, a stream to it; else a stream to the relay it announced.
   */
  private EnvelopeLink routeFor(NodeId recipient) {
    Hop hop = hopFor(recipient);
    return hop == null ? null : hop.open() != null ? hop.open() : dial(hop.peer(), hop.address());
  }

  /** The next hop toward a recipient: a stream it has open to this node, or a peer to dial at an address. */
  private record Hop(EnvelopeLink open, NodeId peer, String address) {}

  /** Where an envelope for {@code recipient} would go now, without dialling anything; null if nowhere. */
  private Hop hopFor(NodeId recipient) {
    EnvelopeLink open = inbound.get(recipient);
    if (open != null && !open.isClosed()) {
      return new Hop(open, recipient, null);
    }
    Route r = routes.apply(recipient);
    if (r != null && !r.address().isEmpty()) {
      return new Hop(null, recipient, r.address());
    }
    // Behind a firewall: through the relay membership names, or else (membership has not heard of
    // it yet, as when an answer follows its question at once) the relay its last envelope came through.
    NodeId via = r != null && r.via() != null ? r.via() : arrivedVia.get(recipient);
    if (via == null || via.equals(self)) {
      return null; // behind this node, but its stream is not open
    }
    Route relay = routes.apply(via);
    return relay == null || relay.address().isEmpty() ? null : new Hop(null, via, relay.address());
  }

  private EnvelopeLink dial(NodeId peer, String address) {
    EnvelopeLink existing = dialed.get(peer);
    if (existing != null && !existing.isClosed()) {
      return existing;
    }
    synchronized (dialed) {
      existing = dialed.get(peer);
      if (existing != null && !existing.isClosed()) {
        return existing;
      }
      try {
        EnvelopeLink link = streams.open(peer, address, this, () -> { }, closed -> dialed.remove(peer, closed));
        dialed.put(peer, link);
        return link;
      } catch (IllegalStateException cannotDial) {
        metrics.relayEnvelope("dropped_cannot_dial");
        return null;
      }
    }
  }

  /** A peer opened its stream to this node: envelopes for it go down that stream from now on. */
  synchronized void attach(NodeId peer, EnvelopeLink link) {
    EnvelopeLink old = inbound.put(peer, link);
    if (old != null) {
      old.complete(); // it reconnected: the newest stream wins
    }
    attachments.attached(peer);
  }

  /** A peer's stream closed (if it is still the current one, the peer is no longer attached). */
  void detach(NodeId peer, EnvelopeLink link) {
    link.close();
    synchronized (this) {
      // Under the same lock as attach: a reconnect racing this close cannot be reported detached.
      if (inbound.remove(peer, link)) {
        attachments.detached(peer);
      }
    }
  }

  /** This node's stream to its relay (behind a firewall), or null while it has none. */
  void uplink(EnvelopeLink link) {
    this.uplink = link;
  }

  private static EnvelopeRefusal refusal(EnvelopeRejectedException e) {
    return new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
  }

  @Override
  public void close() {
    java.util.concurrent.ScheduledFuture<?> watch = stallWatch;
    if (watch != null) {
      watch.cancel(false);
    }
    inbound.values().forEach(EnvelopeLink::complete);
    inbound.clear();
    dialed.values().forEach(EnvelopeLink::complete);
    dialed.clear();
    EnvelopeLink u = uplink;
    if (u != null) {
      u.complete();
    }
  }
}
