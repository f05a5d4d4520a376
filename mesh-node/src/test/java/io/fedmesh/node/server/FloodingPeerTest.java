package io.fedmesh.node.server;

import static io.fedmesh.node.server.TestMesh.metric;

import static io.fedmesh.node.server.TestMesh.waitFor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.transport.ChunkedSender;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.GossipDelivered;
import io.fedmesh.proto.v1.GossipGrpc;
import io.fedmesh.proto.v1.GossipMessage;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.MemberUpdate;
import io.fedmesh.proto.v1.MeshGrpc;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.Probe;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer with a certificate from the mesh's CA (not a member of any federation) floods a node over
 * real mutual TLS: gossip Deliver calls each carrying 256 ALIVE updates about itself at rising
 * incarnations (the highest re-signed, the rest with junk signatures), many concurrent streams, and
 * signed envelopes on a Connect stream. Meanwhile an honest client's probes, health calls and a
 * transfer, and the other node's own probes, keep working. Honest latency is printed with and without
 * the flood (the assertions are only success and a generous bound, not a speed target).
 */
class FloodingPeerTest {
  private static final int SAMPLES = 60;
  /**
   * Generous (the flooder shares this machine's cores with the node here): an honest call waiting this
   * long has effectively failed.
   */
  private static final long BOUND_MILLIS = 5_000;

  @TempDir
  Path dir;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private NodeServer start(TestMesh mesh, TestMesh.Identity who, String members, String extra) throws Exception {
    NodeServer node = mesh.start(dir, who, "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n"
        + (extra.contains("limits:") ? "" : "limits: {envelopes_per_s: 100, envelope_burst: 200}\n")
        + extra + "federations:\n  card-fraud:\n    members:\n" + members);
    closing.add(node::close);
    return node;
  }

  private ManagedChannel channel(TestMesh mesh, int port, TestMesh.Identity who) throws Exception {
    ManagedChannel c = TestMesh.channel(port, who, mesh.dir.resolve("ca.crt"));
    closing.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return c;
  }

  /** Honest latencies in one phase, in ms. */
  /** Honest latencies in one phase (ms), what failed, and how often b saw a suspect or dead. */
  private record Phase(List<Long> probes, List<Long> health, long transferMillis, List<String> failures, int bSawASuspect,
      int bSawADead) {}

  private Phase honestPhase(ManagedChannel honest, SigningKey honestKey, TestMesh.Identity a, NodeServer nb) throws Exception {
    List<Long> probes = new ArrayList<>();
    List<Long> health = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int suspect = 0;
    int dead = 0;
    // A transfer runs alongside the probes and health calls.
    byte[] payload = new byte[3 * ChunkedSender.CHUNK_BYTES + 5];
    new java.util.Random(3).nextBytes(payload);
    long transferStart = System.nanoTime();
    var transfer = ChunkedSender.send(NodeGrpc.newStub(honest), ByteString.copyFrom(payload), "card-fraud", honestKey, a.id(),
        Clock.systemUTC(), new SecureRandom());
    AtomicLong transferDone = new AtomicLong();
    transfer.whenComplete((r, t) -> transferDone.set(System.nanoTime()));
    for (int i = 0; i < SAMPLES; i++) {
      long t0 = System.nanoTime();
      try {
        GossipDelivered delivered = GossipGrpc.newBlockingStub(honest).withDeadlineAfter(BOUND_MILLIS, TimeUnit.MILLISECONDS)
            .deliver(GossipMessage.newBuilder().setSequence(i + 1)
                .setProbe(Probe.newBuilder().setTarget(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(a.id().toBytes()))))
                .build());
        if (delivered.getRepliesList().stream().noneMatch(GossipMessage::hasAck)) {
          failures.add("probe " + i + ": no ack");
        }
      } catch (RuntimeException e) {
        failures.add("probe " + i + ": " + Status.fromThrowable(e));
      }
      long t1 = System.nanoTime();
      try {
        HealthCheckResponse h = HealthGrpc.newBlockingStub(honest).withDeadlineAfter(BOUND_MILLIS, TimeUnit.MILLISECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
        if (h.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
          failures.add("health " + i + ": " + h.getStatus());
        }
      } catch (RuntimeException e) {
        failures.add("health " + i + ": " + Status.fromThrowable(e));
      }
      long t2 = System.nanoTime();
      probes.add((t1 - t0) / 1_000_000);
      health.add((t2 - t1) / 1_000_000);
      // The other node's own probes of a: a may be suspected when a probe is slow (the cores are shared
      // with the flooder here), but must refute in time, never be declared dead.
      var seen = nb.members().get(a.id());
      suspect += seen.state() == MemberState.MEMBER_STATE_SUSPECT ? 1 : 0;
      dead += seen.state() == MemberState.MEMBER_STATE_DEAD ? 1 : 0;
      Thread.sleep(20);
    }
    try {
      var receipt = transfer.get(30, TimeUnit.SECONDS);
      if (receipt.getBytes() != payload.length
          || !java.util.Arrays.equals(receipt.getSha256().toByteArray(), MessageDigest.getInstance("SHA-256").digest(payload))) {
        failures.add("transfer: wrong receipt " + receipt);
      }
    } catch (Exception e) {
      failures.add("transfer: " + e);
    }
    return new Phase(probes, health, (transferDone.get() - transferStart) / 1_000_000, failures, suspect, dead);
  }

  private static long percentile(List<Long> values, double p) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** The flooding peer: its calls, and what each came back with. */
  private static final class Flood implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final Map<Status.Code, AtomicLong> outcomes = new ConcurrentHashMap<>();
    final List<Thread> threads = new ArrayList<>();

    void count(Status.Code code) {
      outcomes.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
    }

    long total(Status.Code code) {
      AtomicLong n = outcomes.get(code);
      return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
      running.set(false);
      try {
        for (Thread t : threads) {
          t.join(5_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Flood flood(List<ManagedChannel> channels, SigningKey key, byte[] certificate, io.fedmesh.crypto.identity.NodeId target,
      List<Envelope> envelopes) {
    Flood flood = new Flood();
    // The Connect stream opens first: once the watches and gossip calls fill the connection's stream
    // limit, a call opened later would wait in the client's queue and the envelopes never be sent.
    StreamObserver<Envelope> requests = MeshGrpc.newStub(channels.get(0)).connect(new StreamObserver<>() {
      @Override
      public void onNext(Envelope value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    // Many concurrent streams that stay open (health watches): they hold the peer's calls.
    for (int i = 0; i < 150; i++) {
      HealthGrpc.newStub(channels.get(i % channels.size())).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(HealthCheckResponse value) {}

        @Override
        public void onError(Throwable t) {
          flood.count(Status.fromThrowable(t).getCode());
        }

        @Override
        public void onCompleted() {}
      });
    }
    // Gossip: 256 ALIVE updates about itself a message at rising incarnations, only the highest re-signed
    // (a junk signature costs the node a check as much as a good one). Built ahead (so the flooder's
    // own CPU, shared with the node here, goes on sending), then sent round and round as fast as 300
    // open calls allow.
    MemberUpdate template = io.fedmesh.node.gossip.AliveUpdates.sign(key, 1, "", certificate);
    List<GossipMessage> messages = new ArrayList<>();
    long incarnation = 2;
    byte[] junk = new byte[64];
    java.util.Random random = new java.util.Random(5);
    for (int n = 0; n < 100; n++) {
      GossipMessage.Builder m = GossipMessage.newBuilder().setSequence(n + 1);
      for (int i = 0; i < 255; i++) {
        random.nextBytes(junk); // r and s in range, so checking costs a whole verification
        m.addUpdates(template.toBuilder().setIncarnation(incarnation++).setSignature(ByteString.copyFrom(junk)));
      }
      messages.add(m.addUpdates(io.fedmesh.node.gossip.AliveUpdates.sign(key, incarnation++, "", certificate)).build());
    }
    Thread gossip = new Thread(() -> {
      Semaphore inFlight = new Semaphore(300);
      int n = 0;
      while (flood.running.get()) {
        try {
          if (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
            continue;
          }
        } catch (InterruptedException e) {
          return;
        }
        n++;
        GossipGrpc.newStub(channels.get(n % channels.size())).withDeadlineAfter(5, TimeUnit.SECONDS)
            .deliver(messages.get(n % messages.size()), new StreamObserver<>() {
              @Override
              public void onNext(GossipDelivered value) {}

              @Override
              public void onError(Throwable t) {
                flood.count(Status.fromThrowable(t).getCode());
                inFlight.release();
              }

              @Override
              public void onCompleted() {
                flood.count(Status.Code.OK);
                inFlight.release();
              }
            });
      }
    }, "flood-gossip");
    // Envelopes: signed gossip envelopes on a Connect stream, all at once.
    Thread connect = new Thread(() -> {
      envelopes.forEach(requests::onNext);
      while (flood.running.get()) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
      requests.onCompleted();
    }, "flood-connect");
    flood.threads.add(gossip);
    flood.threads.add(connect);
    gossip.start();
    connect.start();
    return flood;
  }

  private static List<Envelope> envelopes(SigningKey key, io.fedmesh.crypto.identity.NodeId to, int count) {
    SecureRandom random = new SecureRandom();
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] id = new byte[Envelopes.MESSAGE_ID_BYTES];
      random.nextBytes(id);
      out.add(Envelopes.sign(Envelope.newBuilder()
          .setSender(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(key.verifyingKey().nodeId().toBytes())))
          .setRecipient(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(to.toBytes())))
          .setMessageId(ByteString.copyFrom(id)).setSentAtUnixMillis(System.currentTimeMillis()).setKind(Kind.KIND_GOSSIP)
          .setGossip(GossipMessage.newBuilder().setSequence(i + 1)
              .setProbe(Probe.newBuilder().setTarget(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(to.toBytes())))))
          .build(), key));
    }
    return out;
  }

  @Test
  void honestProbesTransfersAndHealthCallsKeepWorkingWhileACertifiedPeerFloods() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity b = mesh.node("b");
    TestMesh.Identity honest = mesh.node("honest");
    TestMesh.Identity mallory = mesh.node("mallory"); // the CA's, in no federation
    String members = "      " + a.id().hex() + ": [participant]\n      " + b.id().hex() + ": [participant]\n      "
        + honest.id().hex() + ": [participant]\n";
    NodeServer na = start(mesh, a, members, "");
    NodeServer nb = start(mesh, b, members, "seeds: [" + a.id().hex() + "@127.0.0.1:" + na.port() + "]\n");
    BooleanSupplier bothAlive = () -> na.members().get(b.id()) != null && na.members().get(b.id()).state() == MemberState.MEMBER_STATE_ALIVE
        && nb.members().get(a.id()) != null && nb.members().get(a.id()).state() == MemberState.MEMBER_STATE_ALIVE;
    assertThat(waitFor(bothAlive, 20_000)).as("a and b see each other").isTrue();

    SigningKey honestKey = Pem.readPrivateKey(Files.readString(honest.key()));
    SigningKey malloryKey = Pem.readPrivateKey(Files.readString(mallory.key()));
    ManagedChannel honestChannel = channel(mesh, na.port(), honest);
    // Three connections: more calls than one connection's HTTP/2 streams (100) or one peer's calls (200) may hold.
    List<ManagedChannel> malloryChannels = List.of(channel(mesh, na.port(), mallory), channel(mesh, na.port(), mallory),
        channel(mesh, na.port(), mallory));
    List<Envelope> envelopes = envelopes(malloryKey, a.id(), 1000);

    Phase quiet = honestPhase(honestChannel, honestKey, a, nb);
    long floodStart = System.nanoTime();
    Phase loud;
    Flood flood = flood(malloryChannels, malloryKey, mallory.certificate().getEncoded(), a.id(), envelopes);
    try {
      Thread.sleep(500); // let it build up
      loud = honestPhase(honestChannel, honestKey, a, nb);
    } finally {
      flood.close();
    }
    long floodMillis = (System.nanoTime() - floodStart) / 1_000_000;

    System.out.printf("flood: %d ms; mallory's calls by outcome %s%n", floodMillis, flood.outcomes);
    for (var phase : List.of(Map.entry("quiet:  ", quiet), Map.entry("flooded:", loud))) {
      Phase p = phase.getValue();
      System.out.printf("honest, %s probe p50 %d ms p99 %d ms; health p50 %d ms p99 %d ms; 3 MiB transfer %d ms;"
          + " b saw a suspect %d/%d times, dead %d%n", phase.getKey(), percentile(p.probes(), 0.5), percentile(p.probes(), 0.99),
          percentile(p.health(), 0.5), percentile(p.health(), 0.99), p.transferMillis(), p.bSawASuspect(), SAMPLES, p.bSawADead());
    }
    String limits = na.metrics().scrape().lines().filter(l -> l.startsWith("fedmesh_limits_reached_total")
        || l.startsWith("fedmesh_gossip_news_checks_total") || l.startsWith("fedmesh_envelopes_refused_total")).toList().toString();
    System.out.println("node a: " + limits);

    assertThat(quiet.failures()).isEmpty();
    assertThat(loud.failures()).as("honest calls during the flood").isEmpty();
    assertThat(quiet.bSawADead()).isZero();
    assertThat(loud.bSawADead()).as("b's own probes of a kept being answered").isZero();
    assertThat(nb.members().get(a.id()).state()).isEqualTo(MemberState.MEMBER_STATE_ALIVE);
    assertThat(percentile(loud.probes(), 0.99)).isLessThan(BOUND_MILLIS);
    assertThat(percentile(loud.health(), 0.99)).isLessThan(BOUND_MILLIS);
    // The flood was refused by its limits, each counted, and cost the node about one news check a message.
    assertThat(flood.total(Status.Code.RESOURCE_EXHAUSTED)).isPositive();
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"gossip_rate\"")).isPositive();
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"calls_per_peer\"")).isPositive();
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"envelope_rate\"")).isPositive();
    assertThat(metric(na, "fedmesh_gossip_news_checks_total{cached=\"false\"")).isLessThanOrEqualTo(
        flood.total(Status.Code.OK) + 50);
  }

  @Test
  void aPeerOverItsCallsOrGossipRateIsRefusedWithAReasonWhileOthersAreServed() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity honest = mesh.node("honest");
    TestMesh.Identity mallory = mesh.node("mallory");
    NodeServer na = start(mesh, a, "      " + a.id().hex() + ": [participant]\n",
        "limits: {calls_per_connection: 2, calls_per_peer: 3, gossip_per_s: 1, gossip_burst: 5}\n");
    List<ManagedChannel> malloryChannels = List.of(channel(mesh, na.port(), mallory), channel(mesh, na.port(), mallory));
    ManagedChannel honestChannel = channel(mesh, na.port(), honest);

    // Four watches over two connections: three stay open, the fourth is refused.
    List<Status> ended = java.util.Collections.synchronizedList(new ArrayList<>());
    List<io.grpc.ClientCall<HealthCheckRequest, HealthCheckResponse>> watches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      var call = malloryChannels.get(i % 2).newCall(HealthGrpc.getWatchMethod(), io.grpc.CallOptions.DEFAULT);
      call.start(new io.grpc.ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, io.grpc.Metadata trailers) {
          ended.add(status);
        }
      }, new io.grpc.Metadata());
      call.sendMessage(HealthCheckRequest.getDefaultInstance());
      call.halfClose();
      call.request(10);
      watches.add(call);
      Thread.sleep(100);
    }
    assertThat(waitFor(() -> ended.size() == 1, 5_000)).isTrue();
    assertThat(ended.get(0).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ended.get(0).getDescription()).startsWith("calls_per_peer: ");
    // Another peer is served meanwhile; once mallory's calls end, so is mallory again.
    assertThat(HealthGrpc.newBlockingStub(honestChannel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    watches.forEach(w -> w.cancel("done", null));
    assertThat(waitFor(() -> ended.size() == 4, 5_000)).isTrue();
    assertThat(HealthGrpc.newBlockingStub(malloryChannels.get(0)).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"calls_per_peer\"")).isEqualTo(1);

    // Gossip: a burst of 5, then one a second.
    GossipMessage probe = GossipMessage.newBuilder().setSequence(1)
        .setProbe(Probe.newBuilder().setTarget(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(a.id().toBytes()))))
        .build();
    List<Status.Code> outcomes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      try {
        GossipGrpc.newBlockingStub(malloryChannels.get(0)).withDeadlineAfter(5, TimeUnit.SECONDS).deliver(probe);
        outcomes.add(Status.Code.OK);
      } catch (io.grpc.StatusRuntimeException e) {
        outcomes.add(e.getStatus().getCode());
        assertThat(e.getStatus().getDescription()).startsWith("gossip_rate: ");
      }
    }
    assertThat(outcomes.stream().filter(c -> c == Status.Code.RESOURCE_EXHAUSTED).count()).isBetween(1L, 3L);
    assertThat(GossipGrpc.newBlockingStub(honestChannel).withDeadlineAfter(5, TimeUnit.SECONDS).deliver(probe)
        .getRepliesList()).anyMatch(GossipMessage::hasAck);
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"gossip_rate\"")).isEqualTo((double) outcomes.stream().filter(c -> c != Status.Code.OK).count());
  }
}
