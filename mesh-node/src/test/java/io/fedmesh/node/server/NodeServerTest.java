package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.MembersRequest;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.PingRequest;
import io.fedmesh.proto.v1.PingResponse;
import io.fedmesh.proto.v1.Role;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node server on 127.0.0.1 with real TLS 1.3 (BoringSSL): who gets in, who is refused and why. */
class NodeServerTest {
  @TempDir
  Path dir;
  private TestMesh mesh;
  private TestMesh.Identity server;
  private TestMesh.Identity admin;
  private TestMesh.Identity participant;
  private TestMesh.Identity outsider;
  private final TestMesh.MovableClock clock = new TestMesh.MovableClock();
  private NodeServer node;

  @BeforeEach
  void start() throws Exception {
    mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    server = mesh.node("server");
    admin = mesh.node("admin");
    participant = mesh.node("participant");
    outsider = mesh.node("outsider");
    Path config = Files.writeString(dir.resolve("node.yaml"), String.join("\n",
        "data_dir: " + server.dir(),
        "listen: 127.0.0.1:0",
        "metrics_listen: 127.0.0.1:0",
        "tls: {crl: " + mesh.dir.resolve("crl.pem") + "}",
        "federations:",
        "  card-fraud:",
        "    members:",
        "      " + server.id().hex() + ": [participant, coordinator-eligible]",
        "      " + admin.id().hex() + ": [admin, participant]",
        "      " + participant.id().hex() + ": [participant]",
        "  market-signals:",
        "    members:",
        "      " + outsider.id().hex() + ": [participant]",
        ""));
    node = NodeServer.start(NodeConfig.load(config), clock);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static PingRequest ping(String federation) {
    return PingRequest.newBuilder().setFederation(FederationId.newBuilder().setName(federation)).build();
  }

  private <T> T call(TestMesh.Identity who, java.util.function.Function<NodeGrpc.NodeBlockingStub, T> rpc) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      return rpc.apply(NodeGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void assertRefused(TestMesh.Identity who, java.util.function.Function<NodeGrpc.NodeBlockingStub, ?> rpc,
      Status.Code code, String reason) {
    assertThatThrownBy(() -> call(who, rpc)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).startsWith(reason);
    });
  }

  @Test
  void aMemberIsRecognisedByTheKeyInItsCertificate() throws Exception {
    PingResponse pong = call(participant, s -> s.ping(ping("card-fraud")));

    assertThat(pong.getCaller().getSha256().toByteArray()).isEqualTo(participant.id().toBytes());
    assertThat(pong.getNode().getSha256().toByteArray()).isEqualTo(server.id().toBytes());
    var members = call(admin, s -> s.members(MembersRequest.newBuilder()
        .setFederation(FederationId.newBuilder().setName("card-fraud")).build()));
    assertThat(members.getMembersList()).hasSize(3);
    assertThat(members.getMembersList()).anySatisfy(m -> assertThat(m.getRolesList()).contains(Role.ROLE_ADMIN));
  }

  @Test
  void federationsAreKeptApartAndRolesAreEnforced() {
    assertRefused(participant, s -> s.members(MembersRequest.newBuilder()
        .setFederation(FederationId.newBuilder().setName("card-fraud")).build()), Status.Code.PERMISSION_DENIED, "missing_role");
    assertRefused(outsider, s -> s.ping(ping("card-fraud")), Status.Code.PERMISSION_DENIED, "not_a_member");
    assertRefused(participant, s -> s.ping(ping("market-signals")), Status.Code.PERMISSION_DENIED, "not_a_member");
    assertRefused(participant, s -> s.ping(ping("no-such-federation")), Status.Code.PERMISSION_DENIED, "unknown_federation");
    assertRefused(participant, s -> s.ping(PingRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED, "no_federation");
  }

  @Test
  void certificatesFromAnotherCaExpiredOrRevokedAreRefusedWithTheirReason() throws Exception {
    // Another CA of the same name: the certificate looks right but is not signed by this mesh's CA.
    TestMesh other = new TestMesh(dir.resolve("other-ca"), "FedMesh consortium CA");
    TestMesh.Identity stranger = other.node("stranger");
    assertRefused(stranger, s -> s.ping(ping("card-fraud")), Status.Code.UNAUTHENTICATED, "unknown_ca");

    // Signed by the CA, but its URI SAN claims to be the admin: identity comes from the key, so no.
    TestMesh.Identity impostor = mesh.nodeClaiming("impostor", admin.id());
    assertRefused(impostor, s -> s.ping(ping("card-fraud")), Status.Code.UNAUTHENTICATED, "san_mismatch");

    TestMesh.Identity shortLived = mesh.node("short", Duration.ofDays(2));
    clock.advance(Duration.ofDays(3));
    assertRefused(shortLived, s -> s.ping(ping("card-fraud")), Status.Code.UNAUTHENTICATED, "expired");

    // Revocation takes effect when the list is copied over, without a restart.
    mesh.writeCrl(Map.of(participant.certificate().getSerialNumber(), Instant.now()));
    clock.advance(Duration.ofSeconds(2));
    assertRefused(participant, s -> s.ping(ping("card-fraud")), Status.Code.UNAUTHENTICATED, "revoked");
    assertThat(call(admin, s -> s.ping(ping("card-fraud"))).hasCaller()).isTrue();
  }

  @Test
  void healthAndMetricsAreServed() throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), participant, mesh.dir.resolve("ca.crt"));
    try {
      HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder()
          .setService(NodeGrpc.SERVICE_NAME).build());
      assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    call(participant, s -> s.ping(ping("card-fraud")));
    assertRefused(outsider, s -> s.ping(ping("card-fraud")), Status.Code.PERMISSION_DENIED, "not_a_member");

    HttpResponse<String> metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("fedmesh_grpc_server_calls_total{method=\"fedmesh.v1.Node/Ping\",status=\"OK\"} 1.0")
        .contains("fedmesh_grpc_server_calls_total{method=\"fedmesh.v1.Node/Ping\",status=\"PERMISSION_DENIED\"} 1.0")
        .contains("fedmesh_authorization_failures_total{reason=\"not_a_member\"} 1.0")
        .contains("fedmesh_authentication_failures_total{reason=\"revoked\"} 0.0")
        .contains("fedmesh_grpc_server_received_bytes_total")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void aBadConfigIsExplainedProblemByProblem() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), String.join("\n",
        "listen: localhost:99999",
        "colour: blue",
        "federations:",
        "  Card_Fraud:",
        "    members:",
        "      not-hex: [participant]",
        "      " + admin.id().hex() + ": [king]",
        ""));
    assertThatThrownBy(() -> NodeConfig.load(bad)).isInstanceOfSatisfying(NodeConfig.InvalidConfigException.class, e ->
        assertThat(e.problems()).containsExactlyInAnyOrder(
            "colour: unknown field (known: data_dir, federations, listen, metrics_listen, tls)",
            "listen: port must be 0-65535, got '99999'",
            "federations.Card_Fraud: a federation name is 1-63 lowercase letters, digits and '-', starting with a letter or digit",
            "federations.Card_Fraud.members.not-hex: not a node id (64 hex digits, as 'fedmesh keys init' prints)",
            "federations.Card_Fraud.members." + admin.id().hex() + ": 'king' is not a role (participant, coordinator-eligible, admin)"));
    assertThatThrownBy(() -> NodeConfig.load(Files.writeString(dir.resolve("dup.yaml"), "listen: a:1\nlisten: b:2\n")))
        .hasMessageContaining("not valid YAML");
  }
}
