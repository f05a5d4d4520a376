package io.fedmesh.node.gossip;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.security.PeerAuthenticator;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.relay.EnvelopeRouter;
import io.fedmesh.node.transport.ChannelPool;
import io.fedmesh.node.transport.TokenBuckets;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.GossipDelivered;
import io.fedmesh.proto.v1.GossipGrpc;
import io.fedmesh.proto.v1.GossipMessage;
import io.fedmesh.proto.v1.MemberState;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a node's {@link SwimNode} over gRPC: one thread owns the engine (ticks every 50 ms, handles
 * every received message), and messages go out on mutual-TLS channels to the address each member
 * announced in its own signed ALIVE news (or, for seeds, the configured one). Gossip to or from a
 * node behind a firewall travels instead as signed envelopes through the {@link EnvelopeRouter}, over
 * relay streams; the runner publishes membership (addresses, relays, identity keys) for the router to
 * route and verify by, and pauses a firewalled node's probing while it has no relay.
 */
public final class GossipRunner implements AutoCloseable, EnvelopeRouter.Attachments {
  static final long TICK_MILLIS = 50;

  private final SwimNode swim;
  private final NodeConfig config;
  private final String advertised;
  private final Clock clock;
  private final PeerAuthenticator authenticator;
  /** Loop thread only. */
  private final NewsChecks newsChecks;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fedmesh-gossip");
    t.setDaemon(true);
    return t;
  });
  private final ChannelPool channels;
  private final EnvelopeRouter router;
  private final NodeMetrics metrics;
  private final SigningKey key;
  private final SecureRandom random = new SecureRandom();
  /** Behind a firewall: whether a relay stream is open now (probing pauses while it is not). */
  private volatile io.fedmesh.node.relay.Uplink uplink;
  /** When this node (behind a firewall) last attached to a relay; a suspicion of the relay since then means leave it. */
  private long attachedAtMillis;
  private final Map<NodeId, String> seedAddresses = new ConcurrentHashMap<>();
  private volatile Map<MemberState, Long> counts = Map.of();
  private long lastJoin = Long.MIN_VALUE / 2;
  private long publishedVersion = -1;
  /** RPC deadline: generous, since SWIM's own timeouts decide liveness; it only bounds what a stuck call holds. */
  private static final long RPC_DEADLINE_MILLIS = 2000;

  /**
   * @param certificate this node's DER certificate (carried in its ALIVE news)
   * @param authenticator checks other members' certificates: only the CA's, unrevoked, are admitted
   */
  public GossipRunner(SigningKey key, byte[] certificate, PeerAuthenticator authenticator, String advertise, NodeConfig config,
      Clock clock, ChannelPool channels, EnvelopeRouter router, NodeMetrics metrics) {
    this.key = key;
    this.channels = channels;
    this.router = router;
    this.metrics = metrics;
    this.config = config;
    this.advertised = advertise;
    this.clock = clock;
    this.authenticator = authenticator;
    SecureRandom seed = new SecureRandom();
    // The start time in ms: a restarted node's news outranks what it said before it stopped.
    NodeConfig.Limits limits = config.limits();
    this.newsChecks = new NewsChecks(authenticator, new TokenBuckets(limits.newsChecksPerSecond(), limits.newsCheckBurst()), metrics);
    this.swim = new SwimNode(key, clock.millis(), advertise, certificate, newsChecks, config.gossip(), new Random(seed.nextLong()));
    router.attachments(this);
    router.handle(Envelope.PayloadCase.GOSSIP, (envelope, sender) -> deliver(sender, envelope.getGossip()));
  }

  /**
   * Behind a firewall: probing waits while no relay stream is up, and a relay this node's own probes
   * find unresponsive is abandoned for the next seed (a silent network would otherwise hold the node
   * on a dead stream until keepalive gives up, longer than the others' grace period).
   */
  public void uplink(io.fedmesh.node.relay.Uplink link) {
    this.uplink = link;
  }

  /** Behind a firewall: a stream to {@code relay} opened; announce it and sync through it. */
  public void attachedVia(NodeId relay) {
    execute(() -> {
      attachedAtMillis = clock.millis();
      send(swim.attachedVia(relay, attachedAtMillis));
    });
  }

  @Override
  public void attached(NodeId node) {
    execute(() -> swim.attached(node));
  }

  @Override
  public void detached(NodeId node) {
    execute(() -> swim.detached(node));
  }

  private void execute(Runnable task) {
    try {
      loop.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // The node is shutting down.
    }
  }

  /**
   * A new revocation list took effect: members whose certificate it names are forgotten (counted), so
   * their identity keys no longer verify envelopes here; their later news is refused on admission.
   */
  public void revalidate() {
    execute(() -> {
      // Verdicts on certificates were the old list's: a revoked node's news must not pass on them.
      newsChecks.forgetCertificates();
      List<NodeId> evicted = swim.readmit(update -> admitted(update, authenticator));
      evicted.forEach(id -> metrics.memberEvicted());
      if (!evicted.isEmpty()) {
        publishRoutes();
        publishedVersion = swim.version();
      }
    });
  }

  /** An ALIVE update's certificate must authenticate (CA, validity, CRL, SAN) as the node it names, with its key. */
  private static boolean admitted(io.fedmesh.proto.v1.MemberUpdate update, PeerAuthenticator authenticator) {
    try {
      java.security.cert.Certificate cert = java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(update.getCertificate().toByteArray()));
      PeerAuthenticator.Peer peer = authenticator.authenticate(new java.security.cert.Certificate[] {cert});
      return java.util.Arrays.equals(peer.id().toBytes(), update.getNode().getSha256().toByteArray())
          && java.util.Arrays.equals(peer.key().subjectPublicKeyInfo(), update.getIdentityKey().toByteArray());
    } catch (java.security.cert.CertificateException | io.fedmesh.node.security.AuthenticationFailure | RuntimeException e) {
      return false;
    }
  }

  public NodeId id() {
    return swim.id();
  }

  /** Joins through the configured seeds and starts ticking. */
  public void start() {
    List<NodeId> seeds = new ArrayList<>();
    for (NodeConfig.Seed s : config.seeds()) {
      if (!s.id().equals(swim.id())) {
        seedAddresses.put(s.id(), s.address());
        seeds.add(s.id());
      }
    }
    loop.scheduleAtFixedRate(() -> {
      try {
        long now = clock.millis();
        // Join, and join again every second while no seed has answered (a seed may start later).
        if (!advertised.isEmpty() && !seeds.isEmpty() && swim.size() == 1 && now >= lastJoin + 1000) {
          lastJoin = now;
          send(swim.join(seeds, now));
        }
        expireHeld(now);
        io.fedmesh.node.relay.Uplink up = uplink;
        if (up == null) {
          send(swim.tick(now));
        } else if (up.connected()) {
          send(swim.tick(now));
          NodeId relay = up.relay();
          // Its own probe of the relay went unanswered since it attached: leave (others' word is not enough).
          if (relay != null && swim.failedProbeSince(relay).orElse(Long.MIN_VALUE) >= attachedAtMillis) {
            up.abandon(relay);
          }
        }
        swim.drainProbeRoundTrips().forEach(metrics::probeRoundTrip);
        warmUpcomingProbe();
        publishIfMoved();
      } catch (RuntimeException e) {
        // One bad tick must not stop membership; the next tick starts afresh.
      }
    }, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Messages waiting for the loop at most: beyond, new ones are dropped, which SWIM treats as loss. */
  static final int MAX_PENDING = 10_000;
  /**
   * Messages from one peer waiting for the loop at most: an honest peer has a handful in flight, and
   * one flooding peer must not fill the queue everyone's probes wait in.
   */
  static final int MAX_PENDING_PER_PEER = 64;
  /** Indirect probes one requester may have this node carry out at once (an honest one asks one per interval). */
  static final int MAX_HELD_PER_REQUESTER = 4;
  private final Map<NodeId, Integer> pendingByPeer = new ConcurrentHashMap<>();
  /** Held indirect probes by requester (loop thread only). */
  private final Map<NodeId, Integer> heldByRequester = new java.util.HashMap<>();
  /** News pieces read from one message at most: more is a flood, not gossip. */
  static final int MAX_UPDATES = 256;
  private record HeldKey(NodeId requester, long sequence) {}

  private record Held(java.util.function.Consumer<List<GossipMessage>> replies, long sinceMillis) {}

  /** Indirect probes this node is carrying out, by requester and sequence: their calls wait for the target's ack. Loop thread only. */
  private final Map<HeldKey, Held> held = new java.util.HashMap<>();

  /** Calls waiting for the loop to answer them: answered empty if the runner stops first. */
  private final java.util.Set<java.util.function.Consumer<List<GossipMessage>>> unanswered = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Rebuilds the derived views (routes, state counts) if membership moved. Loop thread only. Derived
   * views are rebuilt only then: at 100 members, copying membership every tick costs more than SWIM.
   * Run after every message too, not only each tick: an envelope that follows the news of its sender
   * at once must find the sender's key.
   */
  private void publishIfMoved() {
    if (swim.version() != publishedVersion) {
      long version = swim.version();
      publishRoutes();
      Map<MemberState, Long> c = new EnumMap<>(MemberState.class);
      swim.members().values().forEach(m -> c.merge(m.state(), 1L, Long::sum));
      counts = c;
      publishedVersion = version; // only once published: a failure retries next tick
    }
  }

  /** A message from an authenticated peer; false once the runner has stopped (the node is shutting down). */
  public boolean deliver(NodeId from, GossipMessage message) {
    return deliver(from, message, replies -> send(replies.stream().map(r -> new SwimNode.Outbound(from, r)).toList()));
  }

  /**
   * A message from an authenticated peer whose call waits for the answer: what this node says back
   * to {@code from} goes to {@code replies} (the call's response) instead of over a call of its own.
   * False once the runner has stopped.
   */
  public boolean deliver(NodeId from, GossipMessage message, java.util.function.Consumer<List<GossipMessage>> replies) {
    if (message.getUpdatesCount() > MAX_UPDATES
        || message.hasSyncResponse() && message.getSyncResponse().getMembersCount() > 100_000) {
      replies.accept(List.of());
      return true; // dropped: too large to be honest gossip
    }
    if (pendingByPeer.merge(from, 1, Integer::sum) > MAX_PENDING_PER_PEER) {
      pendingByPeer.computeIfPresent(from, (peer, n) -> n <= 1 ? null : n - 1);
      metrics.limitReached("gossip_queue");
      replies.accept(List.of());
      return true; // dropped: this peer has enough waiting already
    }
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      pendingByPeer.computeIfPresent(from, (peer, n) -> n <= 1 ? null : n - 1);
      replies.accept(List.of());
      return true; // dropped: the loop is behind; SWIM copes with lost messages
    }
    unanswered.add(replies);
    try {
      loop.execute(() -> {
        pending.decrementAndGet();
        pendingByPeer.computeIfPresent(from, (peer, n) -> n <= 1 ? null : n - 1);
        if (!unanswered.remove(replies)) {
          return; // answered already, as the runner stopped
        }
        if (message.hasIndirectProbe() && heldByRequester.getOrDefault(from, 0) >= MAX_HELD_PER_REQUESTER) {
          metrics.limitReached("gossip_queue");
          replies.accept(List.of());
          return; // more than an honest requester asks for: each would make this node probe someone
        }
        if (message.hasIndirectProbe()) {
          heldByRequester.merge(from, 1, Integer::sum);
          // Answered when the target acks (the ack goes back in this call's response, over the
          // requester's own connection), or empty once the requester has stopped waiting.
          Held replaced = held.put(new HeldKey(from, message.getSequence()), new Held(replies, clock.millis()));
          if (replaced != null) {
            released(new HeldKey(from, message.getSequence()));
            replaced.replies().accept(List.of()); // the same request again: the newer call waits instead
          }
        }
        List<GossipMessage> back = new ArrayList<>();
        List<SwimNode.Outbound> onward = new ArrayList<>();
        for (SwimNode.Outbound o : swim.onMessage(from, message, clock.millis())) {
          if (o.to().equals(from)) {
            back.add(o.message());
          } else {
            onward.add(o);
          }
        }
        if (!message.hasIndirectProbe()) {
          replies.accept(back);
        }
        send(onward);
        publishIfMoved();
      });
      return true;
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      pending.decrementAndGet();
      pendingByPeer.computeIfPresent(from, (peer, n) -> n <= 1 ? null : n - 1);
      unanswered.remove(replies);
      return false;
    }
  }

  /** Members by state, as of the last tick (for metrics). */
  public long count(MemberState state) {
    return counts.getOrDefault(state, 0L);
  }

  /** The current membership view. */
  public Map<NodeId, SwimNode.Member> members() {
    try {
      return loop.submit(swim::members).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the gossip loop did not answer", e);
    }
  }

  /** The relay {@code node} announced it is attached through, if any, as the router sees it now. */
  public java.util.Optional<NodeId> via(NodeId node) {
    EnvelopeRouter.Route r = routes.get(node);
    return r == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(r.via());
  }

  /** What {@code node} announced in its admitted ALIVE news: its identity key and Raft endpoint. */
  public record Announced(java.util.Optional<io.fedmesh.crypto.signature.VerifyingKey> identityKey,
                          java.util.Optional<String> raftAddress) {}

  public Announced announced(NodeId node) {
    return onLoop(() -> new Announced(swim.identityKey(node), swim.raftAddress(node)));
  }

  /** Announces this node's Raft endpoint in its ALIVE news. */
  public void advertiseRaft(String raftAddress) {
    onLoop(() -> {
      swim.advertiseRaft(raftAddress);
      return null;
    });
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> task) {
    try {
      return loop.submit(task).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the gossip loop did not answer", e);
    }
  }

  /** Where {@code node} announced it takes gossip, if it did. */
  public java.util.Optional<String> address(NodeId node) {
    try {
      return loop.submit(() -> swim.address(node)).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the gossip loop did not answer", e);
    }
  }

  /** Indirect probes whose target never answered within an interval: their requesters stopped waiting. */
  private void expireHeld(long nowMillis) {
    for (var it = held.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      Held h = e.getValue();
      if (nowMillis > h.sinceMillis() + config.gossip().probeIntervalMillis()) {
        it.remove();
        released(e.getKey());
        h.replies().accept(List.of());
      }
    }
  }

  private void released(HeldKey key) {
    heldByRequester.computeIfPresent(key.requester(), (peer, n) -> n <= 1 ? null : n - 1);
  }

  /** Asks the channel of the member probed next to connect now (idle channels drop their connection). */
  private void warmUpcomingProbe() {
    NodeId next = swim.upcomingProbeTarget().orElse(null);
    if (next == null || next.equals(warmed) || advertised.isEmpty()) {
      return;
    }
    warmed = next;
    swim.address(next).ifPresent(address -> {
      try {
        channels.channel(address).getState(true);
      } catch (IllegalStateException cannotDial) {
        // The probe will find out.
      }
    });
  }

  private NodeId warmed;

  /** Membership as the router needs it: refreshed every tick (routing to a node a tick late is harmless). */
  private void publishRoutes() {
    Map<NodeId, EnvelopeRouter.Route> routes = new java.util.HashMap<>();
    for (NodeId id : swim.members().keySet()) {
      routes.put(id, new EnvelopeRouter.Route(swim.address(id).orElse(seedAddresses.getOrDefault(id, "")),
          swim.via(id).orElse(null), swim.identityKey(id).orElse(null), certificate(id)));
    }
    certificates.keySet().retainAll(routes.keySet());
    this.routes = routes;
    router.routes(routes::get);
  }

  private volatile Map<NodeId, EnvelopeRouter.Route> routes = Map.of();
  /** Members' certificates as parsed from their ALIVE news, by the DER they came from (parsed once each). Loop thread only. */
  private final Map<NodeId, Map.Entry<com.google.protobuf.ByteString, java.security.cert.X509Certificate>> certificates =
      new java.util.HashMap<>();

  private java.security.cert.X509Certificate certificate(NodeId id) {
    com.google.protobuf.ByteString der = swim.certificate(id).orElse(null);
    if (der == null || der.isEmpty()) {
      return null;
    }
    var cached = certificates.get(id);
    if (cached != null && cached.getKey().equals(der)) {
      return cached.getValue();
    }
    try {
      var parsed = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(der.newInput());
      certificates.put(id, Map.entry(der, parsed));
      return parsed;
    } catch (java.security.cert.CertificateException e) {
      return null; // cannot happen for admitted news, whose certificate authenticated
    }
  }

  private void send(List<SwimNode.Outbound> outbound) {
    for (SwimNode.Outbound o : outbound) {
      HeldKey heldKey = new HeldKey(o.to(), o.message().getSequence());
      Held waiting = o.message().hasAck() ? held.remove(heldKey) : null;
      if (waiting != null) {
        released(heldKey);
        waiting.replies().accept(List.of(o.message()));
        continue;
      }
      String address = swim.address(o.to()).orElse(seedAddresses.get(o.to()));
      if (advertised.isEmpty() || address == null) {
        // To or from behind a firewall: a signed envelope, over relay streams.
        sendEnvelope(o);
        continue;
      }
      ManagedChannel channel;
      try {
        channel = channels.channel(address);
      } catch (IllegalStateException e) {
        continue;
      }
      GossipGrpc.newStub(channel).withInterceptors(new io.fedmesh.node.security.ExpectedServer(authenticator, o.to()))
          // An indirect probe's answer may take up to an interval (the helper's own probe of the target).
          .withDeadlineAfter(RPC_DEADLINE_MILLIS + (o.message().hasIndirectProbe() ? config.gossip().probeIntervalMillis() : 0),
              TimeUnit.MILLISECONDS)
          .deliver(o.message(), new StreamObserver<GossipDelivered>() {
            @Override
            public void onNext(GossipDelivered delivered) {
              // The callee's answers (an ack, a sync response), from the node the channel proved it reached.
              // Only the one answer the request asks for: a probe gets an ack, a sync request the membership.
              // Anything else a callee stuffs in (probes that would each make this node call it back) is ignored.
              GossipMessage.BodyCase expected = switch (o.message().getBodyCase()) {
                case PROBE -> GossipMessage.BodyCase.ACK;
                case SYNC_REQUEST -> GossipMessage.BodyCase.SYNC_RESPONSE;
                case INDIRECT_PROBE -> GossipMessage.BodyCase.ACK;
                default -> null;
              };
              delivered.getRepliesList().stream().filter(reply -> reply.getBodyCase() == expected).limit(1)
                  .forEach(reply -> deliver(o.to(), reply));
            }

            @Override
            public void onError(Throwable t) {
              // A lost message, as SWIM expects of a network: the protocol copes.
            }

            @Override
            public void onCompleted() {}
          });
    }
  }

  private void sendEnvelope(SwimNode.Outbound o) {
    byte[] messageId = new byte[Envelopes.MESSAGE_ID_BYTES];
    random.nextBytes(messageId);
    Envelope envelope = Envelope.newBuilder()
        .setSender(AliveUpdates.id(swim.id())).setRecipient(AliveUpdates.id(o.to()))
        .setMessageId(com.google.protobuf.ByteString.copyFrom(messageId))
        .setSentAtUnixMillis(clock.millis())
        .setKind(Kind.KIND_GOSSIP)
        .setGossip(o.message())
        .build();
    router.send(Envelopes.sign(envelope, key), sent -> { }); // no route: lost, as SWIM expects of a network
  }

  /** A member as this node sees it, with where it announced it can be reached (an address, or a relay). */
  public record MemberView(SwimNode.Member member, String address, NodeId via) {}

  /** The membership and every member's announced address, read in one step of the loop (a consistent view). */
  public Map<NodeId, MemberView> view() {
    try {
      return loop.submit(() -> {
        Map<NodeId, MemberView> out = new java.util.TreeMap<>();
        swim.members().forEach((id, m) -> out.put(id, new MemberView(m, swim.address(id).orElse(""), swim.via(id).orElse(null))));
        return out;
      }).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
      throw new IllegalStateException("membership is not available (the node is stopping)", e);
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
    // Calls whose messages were still queued, or that wait for an indirect probe, get an empty answer
    // now. The loop must have stopped first: it owns the held calls, and could still open a channel.
    try {
      loop.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Held h : List.copyOf(held.values())) {
      try {
        h.replies().accept(List.of());
      } catch (RuntimeException callGone) {
        // The caller gave up first.
      }
    }
    held.clear();
    for (java.util.function.Consumer<List<GossipMessage>> waiting : List.copyOf(unanswered)) {
      if (unanswered.remove(waiting)) {
        try {
          waiting.accept(List.of());
        } catch (RuntimeException callGone) {
          // The caller gave up first.
        }
      }
    }
  }
}
