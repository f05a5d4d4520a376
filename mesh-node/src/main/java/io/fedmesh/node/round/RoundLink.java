package io.fedmesh.node.round;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.relay.EnvelopeRouter;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.RoundMessage;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Locale;

/**
 * Round messages on the wire: each in its own signed envelope of the round's federation (kind
 * KIND_ROUND), routed like every other envelope, so a participant behind a firewall is reached
 * through its relay on the same path as a direct one. A message that cannot be routed is dropped and
 * counted; the round's deadlines treat it as loss.
 */
final class RoundLink {
  private final EnvelopeRouter router;
  private final SigningKey key;
  private final Clock clock;
  private final RoundMetrics metrics;
  private final SecureRandom random = new SecureRandom();

  RoundLink(EnvelopeRouter router, SigningKey key, Clock clock, RoundMetrics metrics) {
    this.router = router;
    this.key = key;
    this.clock = clock;
    this.metrics = metrics;
  }

  NodeId self() {
    return key.verifyingKey().nodeId();
  }

  void send(String federation, NodeId to, RoundMessage message) {
    byte[] id = new byte[Envelopes.MESSAGE_ID_BYTES];
    random.nextBytes(id);
    Envelope envelope = Envelope.newBuilder()
        .setFederation(FederationId.newBuilder().setName(federation))
        .setSender(proto(self())).setRecipient(proto(to))
        .setMessageId(ByteString.copyFrom(id))
        .setSentAtUnixMillis(clock.millis())
        .setKind(Kind.KIND_ROUND)
        .setRound(message)
        .build();
    metrics.bytes(federation, kind(message), "sent", message.getSerializedSize());
    router.send(Envelopes.sign(envelope, key), sent -> { });
  }

  /** A short label of what a round message is: invitation, decline, secagg_advertise_keys, outcome, ... */
  static String kind(RoundMessage m) {
    return m.hasSecagg() ? "secagg_" + m.getSecagg().getBodyCase().name().toLowerCase(Locale.ROOT)
        : m.getBodyCase().name().toLowerCase(Locale.ROOT);
  }

  static io.fedmesh.proto.v1.NodeId proto(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
