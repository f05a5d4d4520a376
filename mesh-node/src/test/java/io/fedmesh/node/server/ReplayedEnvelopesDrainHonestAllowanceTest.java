package io.fedmesh.node.server;

import static io.fedmesh.node.server.TestMesh.waitFor;
import static io.fedmesh.node.server.TestMesh.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.transport.ChunkedSender;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.GossipMessage;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.MeshGrpc;
import io.fedmesh.proto.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RED TEAM. A peer that once carried one envelope signed by an honest member (as its relay, or any node
 * on the path) hands that same envelope to the recipient over and over on its own Connect stream. Each
 * copy verifies (it is genuine), so the recipient charges the honest sender's envelope allowance before
 * the replay window refuses it as replayed: the replays spend the honest sender's tokens, the peer's own
 * allowance is never touched, and the honest sender's own fresh envelopes are then refused
 * {@code rate_limited}. (The docs claim "nobody can spend another's" allowance.)
 */
class ReplayedEnvelopesDrainHonestAllowanceTest {
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
        + "limits: {envelopes_per_s: 1, envelope_burst: 20}\n" + extra + "federations:\n  card-fraud:\n    members:\n" + members);
    closing.add(node::close);
    return node;
  }

  @Test
  void aPeerReplayingOneGenuineEnvelopeGetsItsSenderRateLimited() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity h = mesh.node("h");
    TestMesh.Identity mallory = mesh.node("mallory");
    String members = "      " + a.id().hex() + ": [participant]\n      " + h.id().hex() + ": [participant]\n      "
        + mallory.id().hex() + ": [participant]\n";
    NodeServer na = start(mesh, a, members, "");
    NodeServer nh = start(mesh, h, members, "seeds: [" + a.id().hex() + "@127.0.0.1:" + na.port() + "]\n");
    assertThat(waitFor(() -> na.members().get(h.id()) != null, 20_000)).as("a knows h (and its key)").isTrue();

    // One genuine envelope h signed for a: what a relay of h's (or any node on the path) has seen.
    SigningKey hKey = Pem.readPrivateKey(Files.readString(h.key()));
    byte[] id = new byte[Envelopes.MESSAGE_ID_BYTES];
    new SecureRandom().nextBytes(id);
    Envelope captured = Envelopes.sign(Envelope.newBuilder()
        .setSender(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(h.id().toBytes())))
        .setRecipient(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(a.id().toBytes())))
        .setMessageId(ByteString.copyFrom(id)).setSentAtUnixMillis(System.currentTimeMillis()).setKind(Kind.KIND_GOSSIP)
        .setGossip(GossipMessage.newBuilder().setSequence(1)).build(), hKey);

    // Mallory replays it on its own Connect stream, 50 times a second, for as long as the test runs.
    ManagedChannel malloryChannel = TestMesh.channel(na.port(), mallory, mesh.dir.resolve("ca.crt"));
    closing.add(() -> malloryChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicBoolean streamEnded = new AtomicBoolean();
    StreamObserver<Envelope> replays = MeshGrpc.newStub(malloryChannel).connect(new StreamObserver<>() {
      @Override
      public void onNext(Envelope value) {}

      @Override
      public void onError(Throwable t) {
        streamEnded.set(true);
      }

      @Override
      public void onCompleted() {
        streamEnded.set(true);
      }
    });
    Thread replayer = new Thread(() -> {
      while (running.get()) {
        replays.onNext(captured);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "mallory-replays");
    closing.add(() -> {
      running.set(false);
      replayer.join(5_000);
      replays.onCompleted();
    });
    replayer.start();

    // Fixed: a replay is refused before it is verified or charged to its sender, and what mallory
    // hands over that is not its own is charged to mallory.
    assertThat(waitFor(() -> metric(na, "fedmesh_limits_reached_total{limit=\"relay_rate\"") > 0, 20_000))
        .as("mallory pays for the replays it hands over").isTrue();
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"envelope_rate\"")).as("h's allowance untouched").isZero();
    System.out.println("node a after the replays: " + na.metrics().scrape().lines()
        .filter(l -> l.startsWith("fedmesh_envelopes_refused_total") || l.startsWith("fedmesh_limits_reached_total")).toList());

    // Now h itself, which has sent a nothing but that one envelope, makes a one-chunk transfer to a.
    ManagedChannel hChannel = TestMesh.channel(na.port(), h, mesh.dir.resolve("ca.crt"));
    closing.add(() -> hChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    var transfer = ChunkedSender.send(NodeGrpc.newStub(hChannel), ByteString.copyFromUtf8("honest update"), "card-fraud", hKey,
        a.id(), Clock.systemUTC(), new SecureRandom());
    assertThatCode(() -> transfer.get(20, TimeUnit.SECONDS))
        .as("h's own transfer, while a peer replays one envelope h once sent").doesNotThrowAnyException();
  }
}
