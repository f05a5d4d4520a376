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
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * RED TEAM (an attack that failed): a revoked peer keeps a health watch, a half-sent transfer and a
 * Connect stream open across the revocation, then reconnects at once on a fresh connection. Every call
 * is ended UNAUTHENTICATED and the reconnect is refused.
 */
class RevokedPeerOpenCallsRedTeamTest {
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

  private static <T> StreamObserver<T> recording(Map<String, Status> ended, String name) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        ended.put(name, Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.put(name, Status.OK);
      }
    };
  }

  @Test
  void aRevokedPeersOpenCallsEndAndItCannotComeBack() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity mallory = mesh.node("mallory");
    NodeServer na = start(mesh, a, "      " + a.id().hex() + ": [participant]\n      " + mallory.id().hex() + ": [participant]\n", "");
    ManagedChannel c = TestMesh.channel(na.port(), mallory, mesh.dir.resolve("ca.crt"));
    closing.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    Map<String, Status> ended = new ConcurrentHashMap<>();
    HealthGrpc.newStub(c).watch(HealthCheckRequest.getDefaultInstance(), recording(ended, "watch"));
    StreamObserver<Envelope> transfer = NodeGrpc.newStub(c).transfer(recording(ended, "transfer"));
    StreamObserver<Envelope> connect = MeshGrpc.newStub(c).connect(recording(ended, "connect"));
    assertThat(HealthGrpc.newBlockingStub(c).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(ended).isEmpty();

    mesh.writeCrl(Map.of(mallory.certificate().getSerialNumber(), java.time.Instant.now()));
    assertThat(waitFor(() -> ended.size() == 3, 10_000)).as("ended: %s", ended).isTrue();
    assertThat(ended.values()).allSatisfy(s -> assertThat(s.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

    ManagedChannel again = TestMesh.channel(na.port(), mallory, mesh.dir.resolve("ca.crt"));
    closing.add(() -> again.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    assertThatCode(() -> HealthGrpc.newBlockingStub(again).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())).hasMessageContaining("revoked");
    transfer.onCompleted();
    connect.onCompleted();
  }
}
