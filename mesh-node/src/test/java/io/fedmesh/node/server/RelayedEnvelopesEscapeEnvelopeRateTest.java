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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RED TEAM. The envelope_rate limit is charged only where an envelope is delivered. An envelope a peer
 * hands a relay for someone else costs the relay a signature check (of up to the whole message) and
 * charges nobody: a certified peer, member or not, can make any reachable node verify signatures as fast
 * as it can send, addressed to a node id that does not even exist, and is never refused or hung up on.
 * (The docs bound this at "k x 1000 envelope signature checks" a second for k certificates.)
 */
class RelayedEnvelopesEscapeEnvelopeRateTest {
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
  void envelopesForSomeoneElseAreVerifiedWithoutChargingTheirSenderAnything() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity mallory = mesh.node("mallory"); // the CA's, in no federation
    NodeServer na = start(mesh, a, "      " + a.id().hex() + ": [participant]\n", "");
    SigningKey malloryKey = Pem.readPrivateKey(Files.readString(mallory.key()));
    byte[] nobody = new byte[32];
    new SecureRandom().nextBytes(nobody);
    int count = 500;
    List<Envelope> envelopes = new ArrayList<>();
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < count; i++) {
      byte[] id = new byte[Envelopes.MESSAGE_ID_BYTES];
      random.nextBytes(id);
      envelopes.add(Envelopes.sign(Envelope.newBuilder()
          .setSender(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(mallory.id().toBytes())))
          .setRecipient(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(nobody)))
          .setMessageId(ByteString.copyFrom(id)).setSentAtUnixMillis(System.currentTimeMillis()).setKind(Kind.KIND_GOSSIP)
          .setGossip(GossipMessage.newBuilder().setSequence(i + 1)).build(), malloryKey));
    }
    ManagedChannel malloryChannel = TestMesh.channel(na.port(), mallory, mesh.dir.resolve("ca.crt"));
    closing.add(() -> malloryChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    AtomicBoolean streamEnded = new AtomicBoolean();
    StreamObserver<Envelope> flood = MeshGrpc.newStub(malloryChannel).connect(new StreamObserver<>() {
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
    envelopes.forEach(flood::onNext);
    closing.add(flood::onCompleted);
    // Fixed: each is charged to mallory before anything is verified, and one with no route is dropped unverified.
    assertThat(waitFor(() -> metric(na, "fedmesh_relay_envelopes_total{outcome=\"dropped_no_route\"")
        + metric(na, "fedmesh_relay_envelopes_total{outcome=\"dropped_rate_limited\"") >= count, 30_000))
        .as("every one of mallory's envelopes dropped, for no route or over its rate").isTrue();
    System.out.println("node a: " + na.metrics().scrape().lines()
        .filter(l -> l.startsWith("fedmesh_relay_envelopes_total") || l.startsWith("fedmesh_limits_reached_total{limit=\"envelope")).toList());
    // 500 envelopes in well under a second, at a configured 1 envelope a second, burst 20:
    assertThat(metric(na, "fedmesh_limits_reached_total{limit=\"relay_rate\"")).as("mallory over its rate").isGreaterThan(count / 2);
  }
}
