package io.fedmesh.node.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.transport.EnvelopeGuard;
import io.fedmesh.node.transport.ReplayWindow;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.GossipMessage;
import io.fedmesh.proto.v1.Kind;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node routes by membership, which holds each member's key and the certificate it announced: once
 * the revocation list in force names that certificate, the member's envelopes are refused, delivered
 * here or passed through, whoever handed them over, though their signatures still verify.
 */
class EnvelopeRouterRevocationTest {
  private final SigningKey selfKey = SigningKey.generate(SimulationRandom.fromSeed(1));
  private final SigningKey senderKey = SigningKey.generate(SimulationRandom.fromSeed(2));
  private final SigningKey relayKey = SigningKey.generate(SimulationRandom.fromSeed(3));
  private final NodeId self = selfKey.verifyingKey().nodeId();
  private final NodeId sender = senderKey.verifyingKey().nodeId();
  private final NodeId relay = relayKey.verifyingKey().nodeId();
  private final NodeMetrics metrics = new NodeMetrics();
  private final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();
  private final List<NodeId> delivered = new ArrayList<>();
  private EnvelopeRouter router;
  private long sequence;

  @AfterEach
  void close() {
    router.close();
    metrics.close();
  }

  private EnvelopeRouter router(X509Certificate senderCertificate) {
    router = new EnvelopeRouter(self, new EnvelopeGuard(self, new ReplayWindow(120_000), Clock.systemUTC()), metrics, null, 10_000);
    Map<NodeId, EnvelopeRouter.Route> routes = Map.of(
        sender, new EnvelopeRouter.Route("", relay, senderKey.verifyingKey(), senderCertificate),
        relay, new EnvelopeRouter.Route("127.0.0.1:1", null, relayKey.verifyingKey(), null));
    router.routes(routes::get);
    router.revocations(c -> revoked.contains(c.getSerialNumber()));
    router.handle(Envelope.PayloadCase.GOSSIP, (e, from) -> delivered.add(from));
    return router;
  }

  private Envelope gossip(NodeId to) {
    byte[] id = new byte[Envelopes.MESSAGE_ID_BYTES];
    id[0] = (byte) ++sequence;
    return Envelopes.sign(Envelope.newBuilder()
        .setSender(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(sender.toBytes())))
        .setRecipient(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(to.toBytes())))
        .setMessageId(ByteString.copyFrom(id)).setSentAtUnixMillis(System.currentTimeMillis())
        .setKind(Kind.KIND_GOSSIP).setGossip(GossipMessage.newBuilder().setSequence(sequence)).build(), senderKey);
  }

  private X509Certificate certificate() {
    SigningKey caKey = SigningKey.generate(SimulationRandom.fromSeed(9));
    CertificateAuthority ca = CertificateAuthority.create("test CA", caKey, Instant.now().minus(Duration.ofDays(1)),
        Duration.ofDays(10), SimulationRandom.fromSeed(10));
    return ca.issue(NodeCertificateRequest.create(senderKey, List.of("localhost"), List.of()), Instant.now().minus(Duration.ofHours(1)),
        Duration.ofDays(2), SimulationRandom.fromSeed(11));
  }

  @Test
  void aRevokedSendersEnvelopesAreRefusedThoughARelayHandsThemOverAndTheirSignatureVerifies() throws Exception {
    X509Certificate cert = certificate();
    router(cert);
    int[] released = {0};
    router.receive(gossip(self), relay, relayKey.verifyingKey(), () -> released[0]++);
    assertThat(delivered).containsExactly(sender);

    revoked.add(cert.getSerialNumber());
    router.receive(gossip(self), relay, relayKey.verifyingKey(), () -> released[0]++);
    // Passing through this node (a relay) is refused the same way, before any route is looked for.
    router.receive(gossip(NodeId.ofBytes(new byte[32])), relay, relayKey.verifyingKey(), () -> released[0]++);
    // And from the sender itself, on its own stream, in the moment before that stream is ended.
    router.receive(gossip(self), sender, senderKey.verifyingKey(), () -> released[0]++);

    assertThat(delivered).containsExactly(sender);
    assertThat(released[0]).as("every envelope lets its stream read on").isEqualTo(4);
    assertThat(metrics.scrape()).contains("fedmesh_envelopes_refused_total{reason=\"sender_revoked\"} 3.0")
        .doesNotContain("dropped_no_route");
  }
}
