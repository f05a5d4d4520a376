package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.canonical.CanonicalEncodingException;
import io.fedmesh.proto.v1.LedgerAct;

/** Signs ledger acts with an identity key, and checks an act's author and signature. */
public final class LedgerActs {
  private LedgerActs() {}

  /** {@code act} with author, author key and signature set from {@code key}. */
  public static LedgerAct sign(LedgerAct.Builder act, SigningKey key) {
    VerifyingKey publicKey = key.verifyingKey();
    LedgerAct unsigned = act.clearSignature()
        .setAuthor(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(publicKey.nodeId().toBytes())))
        .setAuthorKey(ByteString.copyFrom(publicKey.subjectPublicKeyInfo()))
        .build();
    byte[] signature = key.sign(CanonicalEncoding.signingInput(unsigned, signatureField()));
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /**
   * The act's author, once its key hashes to the named author and the signature verifies.
   *
   * @throws LedgerRefusal if not
   */
  static NodeId verifiedAuthor(LedgerAct act) {
    NodeId author = nodeId(act.getAuthor(), "author");
    VerifyingKey key;
    try {
      key = VerifyingKey.fromSubjectPublicKeyInfo(act.getAuthorKey().toByteArray());
    } catch (RuntimeException e) {
      throw new LedgerRefusal("author key is not a P-256 public key");
    }
    if (!key.nodeId().equals(author)) {
      throw new LedgerRefusal("author key does not hash to the author " + author.shortForm());
    }
    byte[] input;
    try {
      input = CanonicalEncoding.signingInput(act, signatureField());
    } catch (CanonicalEncodingException e) {
      throw new LedgerRefusal("act has no canonical encoding: " + e.getMessage());
    }
    if (!key.verify(input, act.getSignature().toByteArray())) {
      throw new LedgerRefusal("signature of " + author.shortForm() + " does not verify");
    }
    return author;
  }

  /**
   * What identifies an act: SHA-256 of what its author signed (the signature left out, since ECDSA
   * signatures are malleable: a replay with a re-encoded signature is still the same act).
   */
  static ByteString contentId(LedgerAct act) {
    return ByteString.copyFrom(LedgerRecords.sha256(CanonicalEncoding.signingInput(act, signatureField())));
  }

  static NodeId nodeId(io.fedmesh.proto.v1.NodeId id, String what) {
    if (id.getSha256().size() != NodeId.BYTES) {
      throw new LedgerRefusal(what + " is not a 32-byte node id");
    }
    return NodeId.ofBytes(id.getSha256().toByteArray());
  }

  /** A node id as the protocol carries it. */
  public static io.fedmesh.proto.v1.NodeId toProto(NodeId id) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(id.toBytes())).build();
  }

  private static com.google.protobuf.Descriptors.FieldDescriptor signatureField() {
    return LedgerAct.getDescriptor().findFieldByNumber(LedgerAct.SIGNATURE_FIELD_NUMBER);
  }
}
