package io.fedmesh.node.gossip;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.MemberUpdate;

/**
 * ALIVE updates are signed by their subject: nobody else can announce that a node lives at a new
 * incarnation, so only the node itself can refute a suspicion of it.
 */
public final class AliveUpdates {
  private static final com.google.protobuf.Descriptors.FieldDescriptor SIGNATURE =
      MemberUpdate.getDescriptor().findFieldByNumber(MemberUpdate.SIGNATURE_FIELD_NUMBER);

  private AliveUpdates() {}

  public static MemberUpdate sign(SigningKey key, long incarnation) {
    return sign(key, incarnation, "");
  }

  /** @param address HOST:PORT where the node takes gossip, or empty */
  public static MemberUpdate sign(SigningKey key, long incarnation, String address) {
    return sign(key, incarnation, address, new byte[0]);
  }

  /** @param certificate the node's DER certificate from the CA, which admits it to the mesh (or empty) */
  public static MemberUpdate sign(SigningKey key, long incarnation, String address, byte[] certificate) {
    return sign(key, incarnation, address, null, certificate);
  }

  /**
   * @param via for a node behind a firewall (no address): the relay it is attached through, or null
   */
  public static MemberUpdate sign(SigningKey key, long incarnation, String address, NodeId via, byte[] certificate) {
    return sign(key, incarnation, address, via, certificate, "");
  }

  /** @param raftAddress HOST:PORT of the node's Raft endpoint, or empty when it runs none */
  public static MemberUpdate sign(SigningKey key, long incarnation, String address, NodeId via, byte[] certificate,
      String raftAddress) {
    if (via != null && (!address.isEmpty() || via.equals(key.verifyingKey().nodeId()))) {
      throw new IllegalArgumentException("a node with an address is reached directly, and no node relays for itself");
    }
    MemberUpdate.Builder b = MemberUpdate.newBuilder();
    if (via != null) {
      b.setVia(id(via));
    }
    MemberUpdate body = b
        .setAddress(address)
        .setRaftAddress(raftAddress)
        .setCertificate(ByteString.copyFrom(certificate))
        .setNode(id(key.verifyingKey().nodeId()))
        .setState(MemberState.MEMBER_STATE_ALIVE)
        .setIncarnation(incarnation)
        .setIdentityKey(ByteString.copyFrom(key.verifyingKey().subjectPublicKeyInfo()))
        .build();
    return body.toBuilder().setSignature(ByteString.copyFrom(key.sign(CanonicalEncoding.signingInput(body, SIGNATURE)))).build();
  }

  /** Whether {@code update} is an ALIVE update signed by the node it names. */
  public static boolean valid(MemberUpdate update) {
    if (update.getState() != MemberState.MEMBER_STATE_ALIVE || update.getSignature().size() != 64) {
      return false;
    }
    if (update.hasVia() && (!update.getAddress().isEmpty() || update.getVia().getSha256().size() != NodeId.BYTES
        || update.getVia().equals(update.getNode()))) {
      return false; // reached directly or via a relay, not both; the relay is another node
    }
    try {
      VerifyingKey key = VerifyingKey.fromSubjectPublicKeyInfo(update.getIdentityKey().toByteArray());
      return key.nodeId().equals(NodeId.ofBytes(update.getNode().getSha256().toByteArray()))
          && key.verify(CanonicalEncoding.signingInput(update, SIGNATURE), update.getSignature().toByteArray());
    } catch (CryptoException | IllegalArgumentException e) {
      return false;
    }
  }

  static io.fedmesh.proto.v1.NodeId id(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
