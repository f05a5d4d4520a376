package io.fedmesh.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.EnvelopeRejectedException.Reason;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.NodeId;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class EnvelopesTest {
  private final SimulationRandom random = SimulationRandom.fromSeed(5);
  private final SigningKey alice = SigningKey.generate(random);
  private final SigningKey bob = SigningKey.generate(random);

  private Envelope unsigned() {
    return Envelope.newBuilder()
        .setFederation(FederationId.newBuilder().setName("card-fraud"))
        .setSender(nodeId(alice))
        .setRecipient(nodeId(bob))
        .setMessageId(ByteString.copyFrom(new byte[16]))
        .setSentAtUnixMillis(1_795_000_000_000L)
        .setKind(Kind.KIND_CHUNK)
        .setChunk(Chunk.newBuilder().setOffset(0).setData(ByteString.copyFromUtf8("weights")).setLast(true))
        .build();
  }

  @Test
  void aSignedEnvelopeVerifiesWithItsSendersKey() {
    Envelope signed = Envelopes.sign(unsigned(), alice);

    assertThat(signed.getSignature().size()).isEqualTo(64);
    Envelopes.verify(signed, alice.verifyingKey());
    // What a relay forwards after re-serialising must still verify: the signature covers content, not bytes.
    Envelopes.verify(Envelope.newBuilder().mergeFrom(signed).build(), alice.verifyingKey());
  }

  @Test
  void anyAlterationBreaksTheSignature() {
    Envelope signed = Envelopes.sign(unsigned(), alice);
    for (UnaryOperator<Envelope.Builder> tamper : java.util.List.<UnaryOperator<Envelope.Builder>>of(
        b -> b.setFederation(FederationId.newBuilder().setName("other")),
        b -> b.setRecipient(nodeId(alice)),
        b -> b.setMessageId(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})),
        b -> b.setSentAtUnixMillis(1_795_000_000_001L),
        b -> b.setChunk(b.getChunk().toBuilder().setData(ByteString.copyFromUtf8("weightz"))),
        b -> b.setChunk(b.getChunk().toBuilder().setLast(false)))) {
      Envelope altered = tamper.apply(signed.toBuilder()).build();
      assertRejected(() -> Envelopes.verify(altered, alice.verifyingKey()), Reason.BAD_SIGNATURE);
    }
  }

  @Test
  void aSignatureByAnotherKeyIsRefused() {
    Envelope signed = Envelopes.sign(unsigned(), alice);
    Envelope claimedByBob = Envelopes.sign(unsigned().toBuilder().setSender(nodeId(bob)).build(), bob);

    assertRejected(() -> Envelopes.verify(signed, bob.verifyingKey()), Reason.SENDER_MISMATCH);
    assertRejected(() -> Envelopes.verify(claimedByBob.toBuilder().setSignature(signed.getSignature()).build(),
        bob.verifyingKey()), Reason.BAD_SIGNATURE);
    assertRejected(() -> Envelopes.sign(unsigned(), bob), Reason.SENDER_MISMATCH);
  }

  @Test
  void malformedEnvelopesAreRefusedBeforeAnySignatureWork() {
    Envelope good = unsigned();
    assertRejected(() -> Envelopes.sign(good.toBuilder().setFederation(FederationId.newBuilder().setName("Bad_Name")).build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(good.toBuilder().clearFederation().build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(good.toBuilder().setRecipient(NodeId.newBuilder().setSha256(ByteString.copyFrom(new byte[31]))).build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(good.toBuilder().setMessageId(ByteString.copyFrom(new byte[8])).build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(good.toBuilder().setSentAtUnixMillis(0).build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(good.toBuilder().clearChunk().build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(good.toBuilder().setKind(Kind.KIND_UNSPECIFIED).build(), alice), Reason.KIND_MISMATCH);
    assertRejected(() -> Envelopes.sign(good.toBuilder().setChunk(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[(1 << 20) + 1]))).build(), alice), Reason.MALFORMED);
    assertRejected(() -> Envelopes.verify(good, alice.verifyingKey()), Reason.MALFORMED); // unsigned
    Envelope withUnknownField = good.toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
        .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build();
    assertRejected(() -> Envelopes.sign(withUnknownField, alice), Reason.MALFORMED);
    Envelope signed = Envelopes.sign(good, alice);
    assertRejected(() -> Envelopes.verify(signed.toBuilder().setUnknownFields(withUnknownField.getUnknownFields()).build(),
        alice.verifyingKey()), Reason.MALFORMED);
  }

  @Test
  void gossipIsMeshWideAndNamesNoFederation() {
    Envelope gossip = unsigned().toBuilder().clearFederation().setKind(Kind.KIND_GOSSIP)
        .setGossip(io.fedmesh.proto.v1.GossipMessage.newBuilder().setSequence(7)).build();
    Envelopes.verify(Envelopes.sign(gossip, alice), alice.verifyingKey());

    assertRejected(() -> Envelopes.sign(gossip.toBuilder().setFederation(FederationId.newBuilder().setName("card-fraud")).build(), alice),
        Reason.MALFORMED);
    assertRejected(() -> Envelopes.sign(gossip.toBuilder().setKind(Kind.KIND_CHUNK).build(), alice), Reason.KIND_MISMATCH);
    // Every other kind still needs its federation.
    Envelope receipt = unsigned().toBuilder().clearFederation().setKind(Kind.KIND_TRANSFER_RECEIPT)
        .setTransferReceipt(io.fedmesh.proto.v1.TransferReceipt.newBuilder().setBytes(1)).build();
    assertRejected(() -> Envelopes.sign(receipt, alice), Reason.MALFORMED);
  }

  private static void assertRejected(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call)
        .isInstanceOf(EnvelopeRejectedException.class)
        .satisfies(e -> assertThat(((EnvelopeRejectedException) e).reason()).isEqualTo(reason));
  }

  private static NodeId nodeId(SigningKey key) {
    return NodeId.newBuilder().setSha256(ByteString.copyFrom(key.verifyingKey().nodeId().toBytes())).build();
  }
}
