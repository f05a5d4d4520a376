package io.fedmesh.node.server;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.admin.AdminService;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.gossip.GossipRunner;
import io.fedmesh.node.gossip.GossipService;
import io.fedmesh.node.gossip.SwimNode;
import io.fedmesh.node.metrics.CallMetricsInterceptor;
import io.fedmesh.node.metrics.MetricsHttpServer;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.model.ModelStore;
import io.fedmesh.node.round.RoundControl;
import io.fedmesh.node.security.AuthenticationInterceptor;
import io.fedmesh.node.security.AuthorizationInterceptor;
import io.fedmesh.node.security.AuthorizationPolicy;
import io.fedmesh.node.security.OpenCalls;
import io.fedmesh.node.security.PeerAuthenticator;
import io.fedmesh.node.security.TlsContexts;
import io.fedmesh.node.relay.ConnectService;
import io.fedmesh.node.relay.ConnectStreams;
import io.fedmesh.node.relay.EnvelopeRouter;
import io.fedmesh.node.relay.ReconnectBackoff;
import io.fedmesh.node.relay.RoutedTransfers;
import io.fedmesh.node.relay.Uplink;
import io.fedmesh.node.transport.ChannelPool;
import io.fedmesh.node.transport.EnvelopeGuard;
import io.fedmesh.node.transport.ReplayWindow;
import io.fedmesh.node.transport.TokenBuckets;
import io.fedmesh.node.security.ConcurrentCallLimit;
import io.fedmesh.proto.v1.NodeGrpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A running node: its gRPC server on mutual TLS 1.3 (node service, admin service, standard health
 * service, server reflection), every call counted, authenticated and authorised, and its Prometheus endpoint.
 */
public final class NodeServer implements AutoCloseable {
  /** Largest inbound message: bulk data streams as ~1 MiB chunks, never one message. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 4 << 20;
  /** Envelopes sent more than this before or after now are refused; ids are remembered twice as long. */
  public static final java.time.Duration REPLAY_WINDOW = java.time.Duration.ofMinutes(2);
  /** The largest model a federation's store takes (1 GiB). */
  public static final long MODEL_MAX_BYTES = 1L << 30;

  private final NodeId self;
  private final Server server;
  private final NodeMetrics metrics;
  private final MetricsHttpServer metricsHttp;
  private final HealthStatusManager health;
  private final GossipRunner gossip;
  private final Mesh mesh;
  private final Admin admin;
  private volatile HealthEndpoint healthEndpoint;

  /**
   * What the admin service reads: the coordinator driver once attached, and the model stores. Its timer
   * runs the admin service's watches (apart from the relay timer, so a slow status cannot delay relays).
   */
  private record Admin(java.util.concurrent.atomic.AtomicReference<RoundControl> rounds, ModelStores models,
      java.util.concurrent.ScheduledExecutorService timer) {}

  /** The model stores of the node's federations, {@code <data_dir>/models/<federation>}, made on first use. */
  private static final class ModelStores implements java.util.function.Function<String, ModelStore> {
    private final NodeConfig config;
    private final java.util.concurrent.ConcurrentMap<String, ModelStore> stores = new java.util.concurrent.ConcurrentHashMap<>();

    private final io.fedmesh.node.ledger.FederationDirectory federations;

    ModelStores(NodeConfig config, io.fedmesh.node.ledger.FederationDirectory federations) {
      this.config = config;
      this.federations = federations;
    }

    @Override
    public ModelStore apply(String federation) {
      if (!federations.knows(federation)) {
        throw new IllegalArgumentException("this node is in no federation '" + federation + "'");
      }
      return stores.computeIfAbsent(federation,
          f -> new ModelStore(config.dataDir().resolve("models").resolve(f), MODEL_MAX_BYTES));
    }
  }

  /** How often a participant asks for the records of a ledger it follows. */
  private static final java.time.Duration FOLLOW_EVERY = java.time.Duration.ofSeconds(5);

  /** What carries envelopes: the channels this node dials, the router, its uplink (behind a firewall), transfers. */
  private record Mesh(ChannelPool channels, EnvelopeRouter router, Uplink uplink, RoutedTransfers transfers,
      java.util.concurrent.ScheduledExecutorService timer, io.fedmesh.node.round.NodeRounds rounds,
      io.fedmesh.node.ledger.NodeLedgers ledgers, io.fedmesh.node.ledger.ModelReplicator models) implements AutoCloseable {
    @Override
    public void close() {
      ledgers.close();
      models.close();
      rounds.close();
      if (uplink != null) {
        uplink.close();
      }
      timer.shutdownNow();
      router.close();
      channels.close();
    }
  }

  private NodeServer(NodeId self, Server server, NodeMetrics metrics, MetricsHttpServer metricsHttp, HealthStatusManager health,
      GossipRunner gossip, Mesh mesh, Admin admin) {
    this.mesh = mesh;
    this.admin = admin;
    this.self = self;
    this.health = health;
    this.gossip = gossip;
    this.server = server;
    this.metrics = metrics;
    this.metricsHttp = metricsHttp;
  }

  /**
   * Starts a node from its config.
   *
   * @throws IOException naming the file if key, certificate, CA or revocation list is missing or bad,
   *     or a port cannot be bound
   */
  public static NodeServer start(NodeConfig config, Clock clock) throws IOException {
    return start(config, clock, io.fedmesh.node.transport.TransferReceiver.IDLE_MILLIS, io.fedmesh.node.round.NodeRounds.DJL);
  }

  /**
   * Starts a node whose participants train with {@code localWork} instead of DJL: for benchmarks of
   * the round protocol that exclude training.
   */
  public static NodeServer start(NodeConfig config, Clock clock, io.fedmesh.node.round.NodeRounds.LocalWorkFactory localWork)
      throws IOException {
    return start(config, clock, io.fedmesh.node.transport.TransferReceiver.IDLE_MILLIS, localWork);
  }

  /** @param transferIdleMillis how long a Transfer stream may go quiet before it is ended (tests shorten it) */
  static NodeServer start(NodeConfig config, Clock clock, long transferIdleMillis) throws IOException {
    return start(config, clock, transferIdleMillis, io.fedmesh.node.round.NodeRounds.DJL);
  }

  private static NodeServer start(NodeConfig config, Clock clock, long transferIdleMillis,
      io.fedmesh.node.round.NodeRounds.LocalWorkFactory localWork) throws IOException {
    NodeConfig.Tls tls = config.tls();
    X509Certificate ca = certificate(tls.ca());
    X509Certificate own = certificate(tls.certificate());
    NodeId self;
    io.fedmesh.crypto.signature.SigningKey identity;
    try {
      self = NodeCertificates.verifiedNodeId(own);
      NodeCertificates.verifyIssuedBy(own, ca, clock.instant());
      identity = Pem.readPrivateKey(read(tls.key()));
    } catch (CryptoException e) {
      throw new IOException(tls.certificate() + ": " + e.getMessage(), e);
    }
    // A key that is not the certificate's would start a node every handshake with fails: refuse it here.
    if (!identity.verifyingKey().nodeId().equals(self)) {
      throw new IOException(tls.key() + ": this key does not belong to the certificate " + tls.certificate()
          + " (node " + self.shortForm() + "): use the key the certificate was issued for");
    }
    java.util.List<NodeConfig.Seed> relays = config.seeds().stream().filter(seed -> !seed.id().equals(self)).toList();
    if (!config.reachable() && relays.isEmpty()) {
      throw new IOException("reachable: false, but the only seed is this node itself: list the nodes it may relay through");
    }
    NodeMetrics metrics = new NodeMetrics();
    io.fedmesh.node.ledger.NodeFederations federations = new io.fedmesh.node.ledger.NodeFederations(config);
    io.fedmesh.node.ledger.LedgerMetrics ledgerMetrics = new io.fedmesh.node.ledger.LedgerMetrics(metrics.registry());
    io.fedmesh.node.ledger.NodeLedgers ledgers = new io.fedmesh.node.ledger.NodeLedgers(self, identity, federations, clock,
        ledgerMetrics);
    // The ledger service learns identity keys and Raft endpoints from gossip, which starts after the server.
    java.util.concurrent.atomic.AtomicReference<GossipRunner> gossipRef = new java.util.concurrent.atomic.AtomicReference<>();
    io.fedmesh.node.ledger.LedgerService ledgerService = new io.fedmesh.node.ledger.LedgerService(ledgers,
        new io.fedmesh.node.ledger.LedgerService.Announcements() {
          @Override
          public java.util.Optional<io.fedmesh.crypto.signature.VerifyingKey> identityKey(NodeId node) {
            GossipRunner g = gossipRef.get();
            return g == null ? java.util.Optional.empty() : g.announced(node).identityKey();
          }

          @Override
          public java.util.Optional<String> raftAddress(NodeId node) {
            GossipRunner g = gossipRef.get();
            return g == null ? java.util.Optional.empty() : g.announced(node).raftAddress();
          }
        }, ledgerMetrics, federations::bootstrap);
    PeerAuthenticator authenticator = new PeerAuthenticator(ca, tls.crl(), tls.crlGrace(), clock);
    OpenCalls openCalls = new OpenCalls();
    CallMetricsInterceptor callMetrics = new CallMetricsInterceptor(metrics);
    HealthStatusManager health = new HealthStatusManager();
    NodeConfig.Limits limits = config.limits();
    GossipService gossipService = new GossipService(new TokenBuckets(limits.gossipPerSecond(), limits.gossipBurst()), metrics);
    EnvelopeGuard guard = new EnvelopeGuard(self, new ReplayWindow(REPLAY_WINDOW.toMillis(), ReplayWindow.MAX_REMEMBERED,
        ReplayWindow.MAX_PER_SENDER, metrics::limitReached), clock,
        new TokenBuckets(limits.envelopesPerSecond(), limits.envelopeBurst()), System::nanoTime, metrics::limitReached);
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fedmesh-relay");
      t.setDaemon(true);
      return t;
    });
    NodeService nodeService = new NodeService(self, federations, clock, guard, metrics, timer, transferIdleMillis);
    ChannelPool channels = new ChannelPool(tls);
    java.util.concurrent.ScheduledExecutorService adminTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fedmesh-admin");
      t.setDaemon(true);
      return t;
    });
    Admin admin = new Admin(new java.util.concurrent.atomic.AtomicReference<>(), new ModelStores(config, federations), adminTimer);
    AdminService adminService = new AdminService(config, federations, admin.rounds()::get, admin.models(), metrics, adminTimer);
    EnvelopeRouter router = new EnvelopeRouter(self, guard, metrics, new ConnectStreams(channels, authenticator, metrics),
        config.relay().stallTimeoutMillis(), new TokenBuckets(limits.envelopesPerSecond(), limits.envelopeBurst()));
    Server server;
    try {
      server = !config.reachable() ? null : NettyServerBuilder.forAddress(resolve(config.listen()))
          .sslContext(TlsContexts.server(tls.certificate().toFile(), tls.key().toFile()))
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
          // HTTP/2's own bound on one connection's streams: a gRPC client queues calls beyond it.
          .maxConcurrentCallsPerConnection(limits.callsPerConnection())
          // Idle connections are closed, so a peer cannot hold resources open indefinitely.
          .maxConnectionIdle(5, TimeUnit.MINUTES)
          // Relay streams are long-lived and idle at times: the peer's keepalive pings must be welcome.
          .permitKeepAliveTime(ChannelPool.KEEPALIVE_SECONDS / 2, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          // Calls of a peer whose certificate is revoked are ended when the list changes (OpenCalls);
          // the age limit also re-runs the TLS handshake now and then. A relayed node just attaches again.
          .maxConnectionAge(1, TimeUnit.HOURS)
          // HTTP/2 rapid reset (CVE-2023-44487) from an authenticated peer ends its connection.
          .maxRstFramesPerWindow(200, 10)
          .maxConnectionAgeGrace(10, TimeUnit.SECONDS)
          .addStreamTracerFactory(callMetrics.byteTracer())
          .addService(nodeService)
          .addService(adminService)
          .addService(ledgerService)
          .addService(health.getHealthService())
          .addService(gossipService.rateLimited())
          .addService(ConnectService.definition(router))
          .addService(ProtoReflectionServiceV1.newInstance())
          // The last interceptor added runs first: count, then authenticate, then authorise, then
          // bound the calls each peer has open (over all its connections).
          .intercept(new ConcurrentCallLimit(limits.callsPerPeer(), metrics))
          .intercept(new AuthorizationInterceptor(AuthorizationPolicy.nodeService().and(AuthorizationPolicy.adminService())
              .and(AuthorizationPolicy.ledgerService()),
              federations, metrics))
          .intercept(openCalls)
          .intercept(new AuthenticationInterceptor(authenticator, metrics))
          .intercept(callMetrics)
          .build()
          .start();
    } catch (IOException | RuntimeException e) {
      channels.close();
      timer.shutdownNow();
      adminTimer.shutdownNow();
      if (e instanceof IOException && e.getMessage() != null && e.getMessage().startsWith("Failed to bind")) {
        throw new IOException("listen " + config.listen().getHostString() + ":" + config.listen().getPort() + ": " + e.getMessage()
            + (e.getCause() != null ? ": " + e.getCause().getMessage() : "") + " (is another process on that port?)", e);
      }
      throw e;
    }
    MetricsHttpServer http;
    try {
      http = new MetricsHttpServer(resolve(config.metricsListen()), metrics);
    } catch (IOException e) {
      if (server != null) {
        server.shutdownNow();
      }
      channels.close();
      timer.shutdownNow();
      adminTimer.shutdownNow();
      throw new IOException("metrics_listen " + config.metricsListen() + ": " + e.getMessage(), e);
    }
    String host = config.advertiseHost() != null ? config.advertiseHost()
        : config.listen().getHostString().equals("0.0.0.0") ? "127.0.0.1" : config.listen().getHostString();
    GossipRunner gossip;
    try {
      // Behind a firewall the node announces no address: it is reached through its relay.
      gossip = new GossipRunner(identity, own.getEncoded(), authenticator, server == null ? "" : host + ":" + server.getPort(),
          config, clock, channels, router, metrics);
    } catch (java.security.cert.CertificateEncodingException e) {
      if (server != null) {
        server.shutdownNow();
      }
      channels.close();
      timer.shutdownNow();
      adminTimer.shutdownNow();
      http.close();
      throw new IOException(tls.certificate() + ": " + e.getMessage(), e);
    }
    gossipService.attach(gossip);
    gossipRef.set(gossip);
    nodeService.attach(gossip);
    Uplink uplink = null;
    if (server == null) {
      router.firewalled();
      uplink = new Uplink(relays, new ConnectStreams(channels, authenticator, metrics), router,
          new ReconnectBackoff(config.relay().reconnectBaseMillis(), config.relay().reconnectMaxMillis(), new java.util.Random()),
          gossip::attachedVia, metrics, timer, clock);
      gossip.uplink(uplink);
    }
    router.revocations(authenticator::revoked);
    metrics.revocationList(() -> authenticator.nextUpdate() == null ? 0 : authenticator.nextUpdate().getEpochSecond(),
        () -> authenticator.freshness().ordinal());
    GossipRunner members = gossip;
    authenticator.onChange(() -> {
      // A new list: end the open calls of peers it names, and forget them as members.
      int closed = openCalls.closeIf(peer -> authenticator.revoked(peer.certificate())) + router.hangUpRevoked();
      if (closed > 0) {
        metrics.revokedCallsClosed(closed);
      }
      members.revalidate();
    });
    timer.scheduleWithFixedDelay(authenticator::refresh, 1, 1, TimeUnit.SECONDS);
    RoutedTransfers transfers = new RoutedTransfers(router, identity, federations, metrics, clock);
    io.fedmesh.node.round.NodeRounds rounds;
    try {
      rounds = new io.fedmesh.node.round.NodeRounds(self, identity, config, federations, router, transfers, gossip::members, metrics, clock,
          localWork);
    } catch (IOException e) {
      gossip.close();
      if (server != null) {
        server.shutdownNow();
      }
      channels.close();
      timer.shutdownNow();
      http.close();
      throw e;
    }
    io.fedmesh.node.ledger.ModelReplicator replicator = new io.fedmesh.node.ledger.ModelReplicator(ledgers, admin.models(),
        ledgerMetrics);
    if (config.raft().isPresent()) {
      NodeConfig.Raft raft = config.raft().get();
      try {
        GossipRunner g = gossip;
        ledgers.start(new io.fedmesh.node.raft.RaftGroups(self, raft.listen(), config.dataDir().resolve("raft"), tls.key(),
                tls.certificate(), tls.ca(), config.raftSettings(), ledgers::replicatedMachine, federations::raftPeers), rounds, replicator,
            node -> g.address(node).map(a -> new io.fedmesh.node.ledger.NodeLedgers.Peer(node, a)), channels);
      } catch (IOException | RuntimeException e) {
        ledgers.close();
        rounds.close();
        gossip.close();
        if (server != null) {
          server.shutdownNow();
        }
        channels.close();
        timer.shutdownNow();
        http.close();
        throw new IOException("raft.listen " + raft.listen() + ": " + e.getMessage(), e);
      }
      gossip.advertiseRaft(raft.advertise());
    }
    router.watchStalls(timer);
    gossip.start();
    // A participant of a federation with an elected coordinator holds no replica of its ledger: it follows
    // a verified copy, so membership the admins change reaches its authorisation and round engine.
    for (String federation : config.participant().keySet()) {
      boolean elected = config.rounds(federation).map(io.fedmesh.coordinator.federation.FederationSettings::elected).orElse(false);
      if (elected && !config.roles(federation, self).contains(io.fedmesh.proto.v1.Role.ROLE_COORDINATOR_ELIGIBLE)) {
        GossipRunner g = gossip;
        ledgers.follow(federation, g::address, channels, FOLLOW_EVERY);
      }
    }
    if (uplink != null) {
      uplink.start();
    }
    metrics.members(gossip::count);
    NodeServer node = new NodeServer(self, server, metrics, http, health, gossip, new Mesh(channels, router, uplink, transfers, timer, rounds,
        ledgers, replicator),
        admin);
    node.roundControl(rounds);
    if (config.healthListen().isPresent()) {
      try {
        node.healthEndpoint = HealthEndpoint.start(resolve(config.healthListen().get()), health);
      } catch (IOException e) {
        node.close();
        throw e;
      }
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(NodeGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(io.fedmesh.proto.v1.AdminGrpc.SERVICE_NAME, ServingStatus.SERVING);
    return node;
  }

  public NodeId id() {
    return self;
  }

  /** The federation ledgers this node holds (none without a {@code raft:} section). */
  public io.fedmesh.node.ledger.NodeLedgers ledgers() {
    return mesh.ledgers();
  }

  /** The port peers call, or -1 behind a firewall (where nothing listens for peers). */
  public int port() {
    return server == null ? -1 : server.getPort();
  }

  /** Sends a payload to any node, reachable or behind a firewall, over relay streams; completes with its receipt. */
  public java.util.concurrent.CompletableFuture<io.fedmesh.proto.v1.TransferReceipt> sendRouted(NodeId recipient, String federation,
      com.google.protobuf.ByteString payload) {
    return mesh.transfers().send(recipient, federation, payload);
  }

  /** Routed transfers from and to this node: send, and expect (receive into a buffer, checked). */
  public RoutedTransfers transfers() {
    return mesh.transfers();
  }

  /** This node's round roles: the coordinator drivers and participant agents its config gives it. */
  public io.fedmesh.node.round.NodeRounds rounds() {
    return mesh.rounds();
  }

  /** Behind a firewall: the relay this node is attached through now, or null. */
  public NodeId relay() {
    return mesh.uplink() == null ? null : mesh.uplink().relay();
  }

  /** Where {@code node} announced it is attached (empty: it is reachable, or unknown). */
  public java.util.Optional<NodeId> via(NodeId node) {
    return gossip.via(node);
  }

  /** The plaintext health port ({@code health_listen}), or -1 without one. */
  public int healthPort() {
    HealthEndpoint probes = healthEndpoint;
    return probes == null ? -1 : probes.port();
  }

  public int metricsPort() {
    return metricsHttp.port();
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /**
   * Attaches this node's coordinator driver: from now on the admin service's StartRounds, GetRoundStatus
   * and WatchRounds go to {@code control} (null detaches it; they are then refused FAILED_PRECONDITION,
   * "this node runs no coordinator"). Safe from any thread, at any time after start.
   */
  public void roundControl(RoundControl control) {
    admin.rounds().set(control);
  }

  /**
   * The model store of {@code federation} ({@code <data_dir>/models/<federation>}, created on the
   * first write, blobs up to {@link #MODEL_MAX_BYTES}): the one the admin service lists and serves.
   *
   * @throws IllegalArgumentException if this node is in no such federation
   */
  public ModelStore models(String federation) {
    return admin.models().apply(federation);
  }

  /** Who this node believes is alive, suspect or dead (SWIM), itself included. */
  public java.util.Map<NodeId, SwimNode.Member> members() {
    return gossip.members();
  }

  public void awaitTermination() throws InterruptedException {
    if (server == null) {
      terminated.await();
    } else {
      server.awaitTermination();
    }
  }

  private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);

  /** Stops taking calls, lets running ones finish for up to 5 s, then stops. */
  @Override
  public void close() {
    HealthEndpoint probes = healthEndpoint;
    if (probes != null) {
      probes.close();
    }
    gossip.close();
    admin.timer().shutdownNow();
    mesh.close();
    health.enterTerminalState();
    if (server != null) {
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    terminated.countDown();
    metricsHttp.close();
    metrics.close();
  }

  private static InetSocketAddress resolve(InetSocketAddress unresolved) {
    return new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
  }

  private static X509Certificate certificate(java.nio.file.Path file) throws IOException {
    try {
      return Pem.readCertificate(read(file));
    } catch (CryptoException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static String read(java.nio.file.Path file) throws IOException {
    return io.fedmesh.node.config.TextFiles.read(file, io.fedmesh.node.config.TextFiles.PEM_BYTES);
  }
}
