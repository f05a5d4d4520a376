package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.proto.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code health_listen}: a plaintext gRPC client (what kubelet's probe is) reads the node's health there,
 * also for a node behind a firewall, and nothing else is served on that port.
 */
class HealthEndpointTest {
  @TempDir
  Path dir;

  @Test
  void aPlaintextProbeReadsTheHealthAndNothingElse() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    TestMesh.Identity relay = mesh.node("relay", Duration.ofDays(30));
    TestMesh.Identity hidden = mesh.node("hidden", Duration.ofDays(30));
    try (NodeServer r = mesh.start(dir, relay, "")) {
      Path config = Files.writeString(dir.resolve("hidden.yaml"), "data_dir: " + hidden.dir() + "\nlisten: 127.0.0.1:0\n"
          + "metrics_listen: 127.0.0.1:0\nhealth_listen: 127.0.0.1:0\nreachable: false\nseeds: [" + relay.id().hex()
          + "@127.0.0.1:" + r.port() + "]\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n");
      NodeServer node = NodeServer.start(NodeConfig.load(config), Clock.systemUTC());
      int port = node.healthPort();
      assertThat(port).isPositive();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        HealthCheckResponse answer = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("").build());
        assertThat(answer.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // The node's own services are not on this port.
        assertThatThrownBy(() -> NodeGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .members(io.fedmesh.proto.v1.MembersRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        node.close();
        assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("").build()))
            .isInstanceOf(StatusRuntimeException.class);
      } finally {
        channel.shutdownNow();
        node.close();
      }
    }
  }

  @Test
  void aBadHealthListenIsAConfigProblem() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), "health_listen: nowhere\n");
    assertThatThrownBy(() -> NodeConfig.load(config)).isInstanceOf(NodeConfig.InvalidConfigException.class)
        .hasMessageContaining("health_listen: expected HOST:PORT");
  }
}
