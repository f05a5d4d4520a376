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
import java.util.List;
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
    assertThat(node.metrics().scrape()).contains(
        "fedmesh_authorization_failures_total{reason=\"missing_role\"} 1.0",
        "fedmesh_authorization_failures_total{reason=\"not_a_member\"} 2.0",
        "fedmesh_authorization_failures_total{reason=\"unknown_federation\"} 1.0",
        "fedmesh_authorization_failures_total{reason=\"no_federation\"} 1.0",
        "fedmesh_grpc_server_calls_total{method=\"fedmesh.v1.Node/Members\",status=\"PERMISSION_DENIED\"} 1.0");
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
    assertThat(node.metrics().scrape()).contains(
        "fedmesh_authentication_failures_total{reason=\"unknown_ca\"} 1.0",
        "fedmesh_authentication_failures_total{reason=\"san_mismatch\"} 1.0",
        "fedmesh_authentication_failures_total{reason=\"expired\"} 1.0",
        "fedmesh_authentication_failures_total{reason=\"revoked\"} 1.0",
        "fedmesh_grpc_server_calls_total{method=\"fedmesh.v1.Node/Ping\",status=\"UNAUTHENTICATED\"} 4.0");
  }

  private HealthCheckResponse health(TestMesh.Identity who) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(NodeGrpc.SERVICE_NAME).build());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private boolean scrapeShows(String line) throws InterruptedException {
    for (int i = 0; i < 60 && !node.metrics().scrape().contains(line); i++) {
      Thread.sleep(50);
    }
    return node.metrics().scrape().contains(line);
  }

  @Test
  void aRevocationListPastItsNextUpdateIsReportedThenEveryCallIsRefusedUntilAFreshOneArrives() throws Exception {
    TestMesh.Identity longLived = mesh.node("long-lived", Duration.ofDays(400));
    assertThat(scrapeShows("fedmesh_crl_freshness 0.0")).isTrue();

    // Past its next update (30 days), within the default grace of a day: reported, still honoured.
    clock.advance(Duration.ofDays(30).plusHours(1));
    assertThat(scrapeShows("fedmesh_crl_freshness 1.0")).as(node.metrics().scrape()).isTrue();
    assertThat(health(longLived).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // Past the grace too: every new call is refused, UNAVAILABLE, saying why.
    clock.advance(Duration.ofHours(24));
    assertThatThrownBy(() -> health(longLived)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).startsWith("crl_expired: this node's revocation list expired at");
    });
    assertThat(scrapeShows("fedmesh_crl_freshness 2.0")).isTrue();
    assertThat(node.metrics().scrape()).contains("fedmesh_authentication_failures_total{reason=\"crl_expired\"} 1.0");

    // A fresh list from the CA: calls are taken again, without a restart.
    mesh.writeCrl(Map.of(), clock.instant());
    assertThat(scrapeShows("fedmesh_crl_freshness 0.0")).isTrue();
    assertThat(health(longLived).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void healthAndMetricsAreServed() throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), participant, mesh.dir.resolve("ca.crt"));
    try {
      HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder()
          .setService(NodeGrpc.SERVICE_NAME).build());
      assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      // Server reflection lists the services, for tools like grpcurl.
      java.util.concurrent.CompletableFuture<io.grpc.reflection.v1.ServerReflectionResponse> listed = new java.util.concurrent.CompletableFuture<>();
      var reflection = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
              listed.complete(r);
            }

            @Override
            public void onError(Throwable t) {
              listed.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      reflection.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
      assertThat(listed.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
          .extracting(io.grpc.reflection.v1.ServiceResponse::getName)
          .contains("fedmesh.v1.Node", "grpc.health.v1.Health");
      reflection.onCompleted();
      assertThat(io.netty.handler.ssl.OpenSsl.versionString()).contains("BoringSSL");
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
        "reachable: maybe",
        "relay: {reconnect_max_ms: 60000}",
        "gossip: {relay_grace_ms: 99999999999}",
        "limits: {gossip_per_s: 0, envelope_burst: lots, calls_per_connection: 300, streams: 5}",
        ""));
    assertThatThrownBy(() -> NodeConfig.load(bad)).isInstanceOfSatisfying(NodeConfig.InvalidConfigException.class, e ->
        assertThat(e.problems()).containsExactlyInAnyOrder(
            "colour: unknown field (known: advertise_host, data_dir, federations, gossip, health_listen, limits, listen, metrics_listen, participant, raft, reachable, relay, seeds, tls)",
            "limits.streams: unknown field (known: calls_per_connection, calls_per_peer, envelope_burst, envelopes_per_s, gossip_burst, gossip_per_s, news_check_burst, news_checks_per_s)",
            "limits.gossip_per_s: expected a whole number from 1 to 1000000, got '0'",
            "limits.envelope_burst: expected a whole number from 1 to 1000000, got 'lots'",
            "limits.calls_per_peer (200) must be at least limits.calls_per_connection (300)",
            "reachable: expected true or false, got 'maybe'",
            "gossip.relay_grace_ms (10000) must be at least relay.reconnect_max_ms (60000)",
            "gossip: need probe interval <= 60000 ms and relay grace <= 3600000 ms",
            "listen: port must be 0-65535, got '99999'",
            "federations.Card_Fraud: a federation name is 1-63 lowercase letters, digits and '-', starting with a letter or digit",
            "federations.Card_Fraud.members.not-hex: not a node id (64 hex digits, as 'fedmesh keys init' prints)",
            "federations.Card_Fraud.members." + admin.id().hex() + ": 'king' is not a role (participant, coordinator-eligible, admin)"));
    assertThatThrownBy(() -> NodeConfig.load(Files.writeString(dir.resolve("hidden.yaml"), "reachable: false\n")))
        .hasMessageContaining("reachable: false needs seeds");
    assertThatThrownBy(() -> NodeConfig.load(Files.writeString(dir.resolve("dup.yaml"), "listen: a:1\nlisten: b:2\n")))
        .hasMessageContaining("not valid YAML");
  }

  // ---- Envelopes and chunked transfers.

  private static io.fedmesh.crypto.signature.SigningKey key(TestMesh.Identity who) throws java.io.IOException {
    return io.fedmesh.crypto.x509.Pem.readPrivateKey(Files.readString(who.key()));
  }

  private io.fedmesh.proto.v1.Envelope chunk(TestMesh.Identity signer, TestMesh.Identity sender, String federation,
      long offset, byte[] data, boolean last, long sentAt, byte messageId) throws Exception {
    io.fedmesh.proto.v1.Envelope e = io.fedmesh.proto.v1.Envelope.newBuilder()
        .setFederation(FederationId.newBuilder().setName(federation))
        .setSender(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(com.google.protobuf.ByteString.copyFrom(sender.id().toBytes())))
        .setRecipient(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(com.google.protobuf.ByteString.copyFrom(server.id().toBytes())))
        .setMessageId(com.google.protobuf.ByteString.copyFrom(new byte[] {messageId, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}))
        .setSentAtUnixMillis(sentAt)
        .setKind(io.fedmesh.proto.v1.Kind.KIND_CHUNK)
        .setChunk(io.fedmesh.proto.v1.Chunk.newBuilder().setOffset(offset)
            .setData(com.google.protobuf.ByteString.copyFrom(data)).setLast(last))
        .build();
    return io.fedmesh.crypto.envelope.Envelopes.sign(e, key(signer));
  }

  /** Streams {@code envelopes} as {@code who}; returns the final status (OK if a receipt came). */
  private Status transfer(TestMesh.Identity who, List<io.fedmesh.proto.v1.Envelope> envelopes) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      java.util.concurrent.CompletableFuture<Status> done = new java.util.concurrent.CompletableFuture<>();
      var requests = NodeGrpc.newStub(channel).transfer(new io.grpc.stub.StreamObserver<io.fedmesh.proto.v1.TransferReceipt>() {
        @Override
        public void onNext(io.fedmesh.proto.v1.TransferReceipt r) {
          done.complete(Status.OK);
        }

        @Override
        public void onError(Throwable t) {
          done.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
          done.complete(Status.OK);
        }
      });
      envelopes.forEach(requests::onNext);
      requests.onCompleted();
      return done.get(20, TimeUnit.SECONDS);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPayloadStreamsAsSignedChunksUnderFlowControlAndArrivesWhole() throws Exception {
    byte[] payload = new byte[5 * (1 << 20) + 3];
    new java.util.Random(1).nextBytes(payload);
    ManagedChannel channel = TestMesh.channel(node.port(), participant, mesh.dir.resolve("ca.crt"));
    try {
      io.fedmesh.proto.v1.TransferReceipt receipt = io.fedmesh.node.transport.ChunkedSender.send(NodeGrpc.newStub(channel),
          com.google.protobuf.ByteString.copyFrom(payload), "card-fraud", key(participant), server.id(),
          java.time.Clock.systemUTC(), new java.security.SecureRandom()).get(60, TimeUnit.SECONDS);
      assertThat(receipt.getBytes()).isEqualTo(payload.length);
      assertThat(receipt.getChunks()).isEqualTo(6);
      assertThat(receipt.getSha256().toByteArray()).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(payload));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTransferThatGoesQuietIsEndedRatherThanHeldForever() throws Exception {
    try (NodeServer quick = NodeServer.start(NodeConfig.load(dir.resolve("node.yaml")), clock, 300)) {
      ManagedChannel channel = TestMesh.channel(quick.port(), participant, mesh.dir.resolve("ca.crt"));
      try {
        java.util.concurrent.CompletableFuture<Status> done = new java.util.concurrent.CompletableFuture<>();
        var requests = NodeGrpc.newStub(channel).transfer(new io.grpc.stub.StreamObserver<io.fedmesh.proto.v1.TransferReceipt>() {
          @Override
          public void onNext(io.fedmesh.proto.v1.TransferReceipt r) {
            done.complete(Status.OK);
          }

          @Override
          public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            done.complete(Status.OK);
          }
        });
        // One chunk, not the last, then silence (the stream stays open).
        requests.onNext(chunk(participant, participant, "card-fraud", 0, new byte[] {1, 2, 3}, false, clock.millis(), (byte) 9));
        Status status = done.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).startsWith("idle: nothing received for 300 ms");
        assertThat(quick.metrics().scrape()).contains("fedmesh_envelopes_refused_total{reason=\"idle\"} 1.0");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      // A caller refused authorisation never got a receiver: nothing of its call is left to go idle.
      ManagedChannel outsiderChannel = TestMesh.channel(quick.port(), outsider, mesh.dir.resolve("ca.crt"));
      try {
        java.util.concurrent.CompletableFuture<Status> refused = new java.util.concurrent.CompletableFuture<>();
        var requests = NodeGrpc.newStub(outsiderChannel).transfer(new io.grpc.stub.StreamObserver<io.fedmesh.proto.v1.TransferReceipt>() {
          @Override
          public void onNext(io.fedmesh.proto.v1.TransferReceipt r) {}

          @Override
          public void onError(Throwable t) {
            refused.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            refused.complete(Status.OK);
          }
        });
        requests.onNext(chunk(outsider, outsider, "card-fraud", 0, new byte[] {1}, false, clock.millis(), (byte) 10));
        assertThat(refused.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        Thread.sleep(900);
        assertThat(quick.metrics().scrape()).contains("fedmesh_envelopes_refused_total{reason=\"idle\"} 1.0");
      } finally {
        outsiderChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void replayedStaleMisaddressedForgedAndDisorderedEnvelopesAreRefusedWithTheirReason() throws Exception {
    long now = clock.millis();
    byte[] data = {1, 2, 3};
    var first = chunk(participant, participant, "card-fraud", 0, data, false, now, (byte) 1);
    assertThat(transfer(participant, List.of(first, first)).getDescription()).startsWith("replayed");
    assertThat(transfer(participant, List.of(chunk(participant, participant, "card-fraud", 0, data, true,
        now - Duration.ofMinutes(10).toMillis(), (byte) 2))).getDescription()).startsWith("outside_window");
    // Signed by the admin, sent over the participant's connection: no relays yet, so the sender must be the caller.
    assertThat(transfer(participant, List.of(chunk(admin, admin, "card-fraud", 0, data, true, now, (byte) 3))))
        .satisfies(st -> assertThat(st.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .satisfies(st -> assertThat(st.getDescription()).startsWith("sender_not_caller"));
    var tampered = chunk(participant, participant, "card-fraud", 0, data, true, now, (byte) 4).toBuilder();
    tampered.getChunkBuilder().setData(com.google.protobuf.ByteString.copyFrom(new byte[] {9, 9, 9}));
    assertThat(transfer(participant, List.of(tampered.build())).getDescription()).startsWith("bad_signature");
    assertThat(transfer(participant, List.of(chunk(participant, participant, "card-fraud", 0, data, false, now, (byte) 5),
        chunk(participant, participant, "card-fraud", 7, data, true, now, (byte) 6))).getDescription()).startsWith("out_of_order");
    assertThat(transfer(participant, List.of(chunk(participant, participant, "card-fraud", 0, data, false, now, (byte) 7)))
        .getDescription()).startsWith("incomplete");
    // A federation the caller is not in: the interceptor refuses before any envelope is looked at.
    assertThat(transfer(participant, List.of(chunk(participant, participant, "market-signals", 0, data, true, now, (byte) 8))))
        .satisfies(st -> assertThat(st.getDescription()).startsWith("not_a_member"));

    String metrics = node.metrics().scrape();
    assertThat(metrics).contains("fedmesh_envelopes_refused_total{reason=\"replayed\"} 1.0",
        "fedmesh_envelopes_refused_total{reason=\"bad_signature\"} 1.0",
        "fedmesh_envelopes_refused_total{reason=\"outside_window\"} 1.0");
  }
}
