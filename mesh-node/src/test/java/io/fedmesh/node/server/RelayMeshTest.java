package io.fedmesh.node.server;

import static io.fedmesh.node.server.TestMesh.waitFor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.security.TlsContexts;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.MeshGrpc;
import io.fedmesh.proto.v1.TransferReceipt;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three reachable nodes (a, b, c) and one behind a firewall (f, seeds a then b), all real servers on
 * 127.0.0.1 over mutual TLS: f joins through its relay, is reached through it, fails over when the
 * relay dies without being declared failed, and a relay that alters an envelope is caught.
 */
class RelayMeshTest {
  @TempDir
  Path dir;
  private final List<NodeServer> nodes = new ArrayList<>();
  private final List<AutoCloseable> others = new ArrayList<>();
  private TestMesh mesh;
  private TestMesh.Identity a;
  private TestMesh.Identity b;
  private TestMesh.Identity c;
  private TestMesh.Identity f;
  private String members;

  @BeforeEach
  void identities() throws Exception {
    mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    a = mesh.node("a");
    b = mesh.node("b");
    c = mesh.node("c");
    f = mesh.node("f");
    members = "federations:\n  card-fraud:\n    members:\n      " + a.id().hex() + ": [admin, coordinator-eligible]\n      "
        + b.id().hex() + ": [coordinator-eligible]\n      " + c.id().hex() + ": [participant]\n      " + f.id().hex() + ": [participant]\n";
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeServer n : nodes) {
      n.close();
    }
    for (AutoCloseable o : others) {
      o.close();
    }
  }

  private NodeServer start(TestMesh.Identity who, String extra) throws Exception {
    return start(who, mesh.dir.resolve("crl.pem"), extra);
  }

  private NodeServer start(TestMesh.Identity who, Path crl, String extra) throws Exception {
    NodeServer node = mesh.start(dir, who, crl, "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100, relay_grace_ms: 3000}\n"
        + "relay: {reconnect_base_ms: 100, reconnect_max_ms: 1000}\n" + extra + members);
    nodes.add(node);
    return node;
  }

  private static String seed(TestMesh.Identity who, int port) {
    return who.id().hex() + "@127.0.0.1:" + port;
  }

  private static boolean sees(NodeServer observer, NodeId subject, MemberState state) {
    var m = observer.members().get(subject);
    return m != null && m.state() == state;
  }

  private static boolean allAlive(List<NodeServer> all) {
    return all.stream().allMatch(n -> n.members().values().stream().filter(m -> m.state() == MemberState.MEMBER_STATE_ALIVE).count() == all.size());
  }

  private static io.fedmesh.proto.v1.NodeId nodeId(NodeId id) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(id.toBytes())).build();
  }

  private static ByteString payload(int bytes) {
    byte[] data = new byte[bytes];
    new java.util.Random(bytes).nextBytes(data);
    return ByteString.copyFrom(data);
  }

  private static byte[] sha256(ByteString data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data.toByteArray());
  }

  @Test
  void aFirewalledNodeJoinsThroughItsRelayAndIsReachableThroughIt() throws Exception {
    NodeServer na = start(a, "");
    NodeServer nb = start(b, "seeds: [" + seed(a, na.port()) + "]\n");
    NodeServer nc = start(c, "seeds: [" + seed(a, na.port()) + "]\n");
    NodeServer nf = start(f, "reachable: false\nseeds: [" + seed(a, na.port()) + ", " + seed(b, nb.port()) + "]\n");

    assertThat(waitFor(() -> allAlive(nodes), 20_000)).as("all four see all four alive").isTrue();
    assertThat(nf.port()).as("nothing listens for peers behind the firewall").isEqualTo(-1);
    assertThat(nf.relay()).isEqualTo(a.id());
    assertThat(waitFor(() -> nc.via(f.id()).isPresent(), 5_000)).isTrue();
    assertThat(nc.via(f.id())).contains(a.id());

    // Payloads both ways through the relay, checked end to end.
    ByteString toF = payload(3 * 1024 * 1024 + 17);
    TransferReceipt receipt = nc.sendRouted(f.id(), "card-fraud", toF).get(20, TimeUnit.SECONDS);
    assertThat(receipt.getBytes()).isEqualTo(toF.size());
    assertThat(receipt.getSha256().toByteArray()).isEqualTo(sha256(toF));
    ByteString fromF = payload(1024 * 1024);
    assertThat(nf.sendRouted(c.id(), "card-fraud", fromF).get(20, TimeUnit.SECONDS).getSha256().toByteArray()).isEqualTo(sha256(fromF));
    // Not a member of the federation named: refused by the receiver, no receipt.
    assertThatThrownBy(() -> nc.sendRouted(f.id(), "other-federation", payload(10)).get(2, TimeUnit.SECONDS))
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    assertThat(waitFor(() -> nf.metrics().scrape().contains("fedmesh_envelopes_refused_total{reason=\"not_a_member\"} 1.0"), 2_000)).isTrue();

    // A member that forges an envelope in the relay's name, for f: the relay checks it and hangs up on the
    // forger; f's stream to its relay is untouched.
    TestMesh.Identity rogue = mesh.node("rogue");
    ManagedChannel toA = TestMesh.channel(na.port(), rogue, rogue.dir().resolve("ca.crt"));
    others.add(toA::shutdownNow);
    java.util.concurrent.CompletableFuture<Throwable> hungUp = new java.util.concurrent.CompletableFuture<>();
    StreamObserver<Envelope> forged = MeshGrpc.newStub(toA).connect(new StreamObserver<>() {
      @Override
      public void onNext(Envelope e) {}

      @Override
      public void onError(Throwable t) {
        hungUp.complete(t);
      }

      @Override
      public void onCompleted() {
        hungUp.complete(null);
      }
    });
    forged.onNext(Envelope.newBuilder().setSender(nodeId(a.id())).setRecipient(nodeId(f.id()))
        .setFederation(io.fedmesh.proto.v1.FederationId.newBuilder().setName("card-fraud"))
        .setMessageId(ByteString.copyFrom(new byte[16])).setSentAtUnixMillis(System.currentTimeMillis())
        .setKind(io.fedmesh.proto.v1.Kind.KIND_CHUNK).setChunk(io.fedmesh.proto.v1.Chunk.newBuilder().setLast(true))
        .setSignature(ByteString.copyFrom(new byte[64])).build());
    assertThat(hungUp.get(10, TimeUnit.SECONDS)).hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("bad_signature");
    Thread.sleep(500);
    assertThat(nf.relay()).isEqualTo(a.id());

    // The admin's view names f's relay; the metrics show the streams, what was forwarded, and probe round trips.
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = io.fedmesh.node.cli.FedmeshMain.run(new String[] {"members", "--config", dir.resolve("a.yaml").toString(),
        "--target", "127.0.0.1:" + nb.port(), "--federation", "card-fraud", "--json"},
        new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("\"node\": \"" + f.id().hex() + "\", \"state\": \"alive\"")
        .contains("\"address\": \"\", \"via\": \"" + a.id().hex() + "\"");
    String relayMetrics = na.metrics().scrape();
    assertThat(relayMetrics).containsPattern("fedmesh_relay_streams\\{direction=\"inbound\"\\} [1-9]")
        .containsPattern("fedmesh_relay_envelopes_total\\{outcome=\"forwarded\"\\} [1-9]");
    String hiddenMetrics = nf.metrics().scrape();
    assertThat(hiddenMetrics).contains("fedmesh_relay_streams{direction=\"outbound\"} 1.0")
        .contains("fedmesh_relay_reconnects_total 0.0")
        .containsPattern("fedmesh_gossip_probe_rtt_seconds_count [1-9]");
  }

  @Test
  void whenItsRelayDiesItFailsOverToTheNextSeedAndIsNeverDeclaredFailed() throws Exception {
    NodeServer na = start(a, "");
    NodeServer nb = start(b, "seeds: [" + seed(a, na.port()) + "]\n");
    NodeServer nc = start(c, "seeds: [" + seed(b, nb.port()) + "]\n");
    // Its first seed pins c's id at a's address: whoever answers there is not c, so nothing is sent to it.
    NodeServer nf = start(f, "reachable: false\nseeds: [" + seed(c, na.port()) + ", " + seed(a, na.port()) + ", "
        + seed(b, nb.port()) + "]\n");
    assertThat(waitFor(() -> allAlive(nodes), 20_000)).isTrue();
    assertThat(nf.relay()).isEqualTo(a.id());
    assertThat(nf.metrics().scrape()).contains("fedmesh_relay_reconnects_total 1.0");

    // Watch f through the failover: nobody may see it dead (a suspicion it refutes is allowed).
    Set<String> seenF = ConcurrentHashMap.newKeySet();
    Thread watcher = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        for (NodeServer o : List.of(nb, nc)) {
          try {
            var m = o.members().get(f.id());
            if (m != null) {
              seenF.add(m.state().name());
            }
          } catch (IllegalStateException stopping) {
            return;
          }
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    watcher.start();
    nodes.remove(na);
    na.close();

    assertThat(waitFor(() -> b.id().equals(nf.relay()), 5_000)).as("attached to the next seed").isTrue();
    assertThat(waitFor(() -> sees(nb, a.id(), MemberState.MEMBER_STATE_DEAD) && sees(nc, a.id(), MemberState.MEMBER_STATE_DEAD)
        && nc.via(f.id()).equals(java.util.Optional.of(b.id())), 20_000)).as("a dead, f via b").isTrue();
    Thread.sleep(3_000 + 1_000); // past the grace period counted from a's death
    watcher.interrupt();
    watcher.join();
    assertThat(sees(nb, f.id(), MemberState.MEMBER_STATE_ALIVE) && sees(nc, f.id(), MemberState.MEMBER_STATE_ALIVE)).isTrue();
    assertThat(seenF).doesNotContain(MemberState.MEMBER_STATE_DEAD.name());
    assertThat(nf.metrics().scrape()).containsPattern("fedmesh_relay_reconnects_total [2-9]");

    ByteString data = payload(2 * 1024 * 1024);
    assertThat(nc.sendRouted(f.id(), "card-fraud", data).get(20, TimeUnit.SECONDS).getSha256().toByteArray()).isEqualTo(sha256(data));
  }

  @Test
  void aRelayThatAltersAnEnvelopeIsCaughtByTheRecipient() throws Exception {
    TestMesh.Identity evil = mesh.node("evil");
    NodeServer na = start(a, "");
    NodeServer nc = start(c, "seeds: [" + seed(a, na.port()) + "]\n");
    // A member of the mesh (its certificate is the CA's) that relays, but flips a bit in every chunk it passes on.
    ManagedChannel toC = TestMesh.channel(nc.port(), evil, evil.dir().resolve("ca.crt"));
    others.add(toC::shutdownNow);
    Server evilRelay = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(TlsContexts.server(evil.cert().toFile(), evil.key().toFile()))
        .addService(io.grpc.ServerInterceptors.intercept(new MeshGrpc.MeshImplBase() {
          @Override
          public StreamObserver<Envelope> connect(StreamObserver<Envelope> fromRelay) {
            StreamObserver<Envelope> onward = MeshGrpc.newStub(toC).connect(new StreamObserver<>() {
              @Override
              public void onNext(Envelope e) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
            return new StreamObserver<>() {
              @Override
              public synchronized void onNext(Envelope e) {
                if (e.hasChunk()) {
                  byte[] data = e.getChunk().getData().toByteArray();
                  data[0] ^= 1;
                  onward.onNext(e.toBuilder().setChunk(e.getChunk().toBuilder().setData(ByteString.copyFrom(data))).build());
                }
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            };
          }
        }, io.fedmesh.node.relay.ConnectService.headersFirst())).build().start();
    others.add(evilRelay::shutdownNow);
    // f starts behind the honest relay a (so c learns f), then a dies and f fails over to the evil one.
    NodeServer nf = start(f, "reachable: false\nseeds: [" + seed(a, na.port()) + ", " + seed(evil, evilRelay.getPort()) + "]\n");
    assertThat(waitFor(() -> sees(nc, f.id(), MemberState.MEMBER_STATE_ALIVE) && nc.via(f.id()).isPresent(), 20_000)).isTrue();
    nodes.remove(na);
    na.close();
    assertThat(waitFor(() -> evil.id().equals(nf.relay()), 5_000)).as("attached to the evil relay").isTrue();

    nf.sendRouted(c.id(), "card-fraud", payload(100_000));

    assertThat(waitFor(() -> nc.metrics().scrape().contains("fedmesh_envelopes_refused_total{reason=\"bad_signature\"} 1.0"), 10_000))
        .as("c refuses the altered chunk").isTrue();
    assertThat(nc.metrics().scrape()).doesNotContain("fedmesh_relay_envelopes_total{outcome=\"dropped_no_handler\"}");
  }

  @Test
  void aRevokedNodeLosesItsStreamItsMembershipAndItsEnvelopesEvenThroughALaggingRelay() throws Exception {
    // a keeps the old revocation list (a relay that colludes, or was not updated); b and c get the new one.
    Path lagging = Files.copy(mesh.dir.resolve("crl.pem"), dir.resolve("a-crl.pem"));
    NodeServer na = start(a, lagging, "");
    NodeServer nb = start(b, "seeds: [" + seed(a, na.port()) + "]\n");
    NodeServer nc = start(c, "seeds: [" + seed(a, na.port()) + "]\n");
    NodeServer nf = start(f, "reachable: false\nseeds: [" + seed(c, nc.port()) + ", " + seed(a, na.port()) + "]\n");
    assertThat(waitFor(() -> allAlive(nodes), 20_000)).as("all four see all four alive").isTrue();
    assertThat(nf.relay()).isEqualTo(c.id());
    // Before the revocation f's envelopes reach b, and b's receipt comes back through the relay the
    // chunk came through, even before membership has told b where f is.
    ByteString before = payload(1000);
    assertThat(nf.sendRouted(b.id(), "card-fraud", before).get(20, TimeUnit.SECONDS).getBytes()).isEqualTo(1000);

    mesh.writeCrl(java.util.Map.of(f.certificate().getSerialNumber(), java.time.Instant.now()));

    // c ends f's open Connect stream at once (not within the hour), and b and c forget f.
    assertThat(waitFor(() -> nc.metrics().scrape().contains("fedmesh_revoked_calls_closed_total 1.0"), 5_000))
        .as(nc.metrics().scrape()).isTrue();
    assertThat(waitFor(() -> !nb.members().containsKey(f.id()) && !nc.members().containsKey(f.id()), 5_000)).isTrue();
    assertThat(nb.metrics().scrape()).contains("fedmesh_members_evicted_total 1.0");
    assertThat(nc.metrics().scrape()).contains("fedmesh_members_evicted_total 1.0", "fedmesh_crl_freshness 0.0");

    // f finds a relay that still takes it, and sends freshly signed envelopes through it: b refuses them.
    assertThat(waitFor(() -> a.id().equals(nf.relay()), 10_000)).as("f re-attaches through the lagging relay").isTrue();
    assertThatThrownBy(() -> nf.sendRouted(b.id(), "card-fraud", payload(2000)).get(3, TimeUnit.SECONDS))
        .isInstanceOf(java.util.concurrent.TimeoutException.class);
    assertThat(nb.metrics().scrape()).containsPattern("fedmesh_envelopes_refused_total\\{reason=\"(unknown_sender|sender_revoked)\"\\} [1-9]");
    // The lagging relay still spreads f's ALIVE news: b and c refuse it, f stays out.
    Thread.sleep(1000);
    assertThat(nb.members()).doesNotContainKey(f.id());
    assertThat(nc.members()).doesNotContainKey(f.id());
    assertThat(na.members()).containsKey(f.id());
  }

  /**
   * A firewalled node whose relay is revoked leaves it at once for its next seed, not at the hourly
   * stream age: its next probe through the relay fails the certificate check, and the list change
   * hangs up on the uplink if no probe came first.
   */
  @Test
  void aFirewalledNodeLeavesARevokedRelayAtOnce() throws Exception {
    NodeServer na = start(a, "");
    NodeServer nc = start(c, "seeds: [" + seed(a, na.port()) + "]\n");
    NodeServer nf = start(f, "reachable: false\nseeds: [" + seed(a, na.port()) + ", " + seed(c, nc.port()) + "]\n");
    assertThat(waitFor(() -> a.id().equals(nf.relay()), 20_000)).as("f attached to a").isTrue();

    mesh.writeCrl(java.util.Map.of(a.certificate().getSerialNumber(), java.time.Instant.now()));

    assertThat(waitFor(() -> c.id().equals(nf.relay()), 10_000)).as("f left the revoked relay for c").isTrue();
  }
}
