package io.fedmesh.crypto.envelope;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.fedmesh.crypto.envelope.EnvelopeRejectedException.Reason;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.canonical.CanonicalEncodingException;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.Kind;
import java.util.regex.Pattern;

/**
 * Signing and checking of {@link Envelope}s: the structure rules of envelope.proto, and the sender's
 * ECDSA P-256 signature over the canonical signing input (docs/protocol.md). Replay refusal (message
 * ids within a time window) needs a clock and memory, so it lives in the node, after these checks.
 */
public final class Envelopes {
  /** federation names: a DNS label of lowercase letters, digits and hyphens. */
  public static final Pattern FEDERATION_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  public static final int MESSAGE_ID_BYTES = 16;
  public static final int SIGNATURE_BYTES = 64;
  public static final int MAX_CHUNK_BYTES = 1 << 20;

  private static final FieldDescriptor SIGNATURE = Envelope.getDescriptor().findFieldByNumber(Envelope.SIGNATURE_FIELD_NUMBER);

  private Envelopes() {}

  /**
   * Returns {@code envelope} signed by {@code key}, whose node id must be the envelope's sender.
   *
   * @throws EnvelopeRejectedException if the envelope is malformed or names another sender
   */
  public static Envelope sign(Envelope envelope, SigningKey key) {
    checkStructure(envelope, false);
    checkSender(envelope, key.verifyingKey());
    byte[] signature = key.sign(signingInput(envelope));
    return envelope.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /**
   * Checks structure, that {@code senderKey} is the sender's key, and the signature.
   *
   * @throws EnvelopeRejectedException naming the first failed check
   */
  public static void verify(Envelope envelope, VerifyingKey senderKey) {
    checkStructure(envelope, true);
    checkSender(envelope, senderKey);
    if (!senderKey.verify(signingInput(envelope), envelope.getSignature().toByteArray())) {
      throw new EnvelopeRejectedException(Reason.BAD_SIGNATURE,
          "signature does not verify for sender " + senderKey.nodeId().shortForm());
    }
  }

  private static byte[] signingInput(Envelope envelope) {
    try {
      return CanonicalEncoding.signingInput(envelope, SIGNATURE);
    } catch (CanonicalEncodingException e) {
      throw new EnvelopeRejectedException(Reason.MALFORMED, e.getMessage());
    }
  }

  /** The envelope's sender as a node id; call after {@link #checkStructure}. */
  public static NodeId sender(Envelope envelope) {
    return NodeId.ofBytes(envelope.getSender().getSha256().toByteArray());
  }

  /** The envelope's recipient as a node id; call after {@link #checkStructure}. */
  public static NodeId recipient(Envelope envelope) {
    return NodeId.ofBytes(envelope.getRecipient().getSha256().toByteArray());
  }

  /**
   * The field rules of envelope.proto, without the signature check.
   *
   * @param signed whether the envelope must already carry a 64-byte signature
   * @throws EnvelopeRejectedException with reason MALFORMED or KIND_MISMATCH
   */
  public static void checkStructure(Envelope envelope, boolean signed) {
    String federation = envelope.getFederation().getName();
    if (envelope.getPayloadCase() == Envelope.PayloadCase.GOSSIP) {
      // Membership is mesh-wide: a gossip envelope belongs to no federation, so none can be confused with one.
      if (!federation.isEmpty()) {
        throw malformed("a gossip envelope names no federation, got \"" + printable(federation) + "\"");
      }
    } else if (!FEDERATION_NAME.matcher(federation).matches()) {
      throw malformed("federation name \"" + printable(federation) + "\" is not 1-63 of [a-z0-9-]");
    }
    if (envelope.getSender().getSha256().size() != NodeId.BYTES) {
      throw malformed("sender node id is " + envelope.getSender().getSha256().size() + " bytes, expected 32");
    }
    if (envelope.getRecipient().getSha256().size() != NodeId.BYTES) {
      throw malformed("recipient node id is " + envelope.getRecipient().getSha256().size() + " bytes, expected 32");
    }
    if (envelope.getMessageId().size() != MESSAGE_ID_BYTES) {
      throw malformed("message id is " + envelope.getMessageId().size() + " bytes, expected 16");
    }
    if (envelope.getSentAtUnixMillis() <= 0) {
      throw malformed("sent_at_unix_millis must be positive");
    }
    if (signed && envelope.getSignature().size() != SIGNATURE_BYTES) {
      throw malformed("signature is " + envelope.getSignature().size() + " bytes, expected 64");
    }
    if (envelope.getPayloadCase() == Envelope.PayloadCase.PAYLOAD_NOT_SET) {
      throw malformed("no payload");
    }
    Kind expected = switch (envelope.getPayloadCase()) {
      case CHUNK -> Kind.KIND_CHUNK;
      case GOSSIP -> Kind.KIND_GOSSIP;
      case TRANSFER_RECEIPT -> Kind.KIND_TRANSFER_RECEIPT;
      case ROUND -> Kind.KIND_ROUND;
      case PAYLOAD_NOT_SET -> Kind.KIND_UNSPECIFIED;
    };
    if (envelope.getKind() != expected) {
      throw new EnvelopeRejectedException(Reason.KIND_MISMATCH,
          "kind " + envelope.getKind() + " but payload is " + envelope.getPayloadCase());
    }
    if (envelope.hasChunk() && envelope.getChunk().getData().size() > MAX_CHUNK_BYTES) {
      throw malformed("chunk of " + envelope.getChunk().getData().size() + " bytes exceeds 1 MiB");
    }
  }

  private static void checkSender(Envelope envelope, VerifyingKey key) {
    NodeId sender = sender(envelope);
    if (!sender.equals(key.nodeId())) {
      throw new EnvelopeRejectedException(Reason.SENDER_MISMATCH,
          "envelope names sender " + sender.shortForm() + " but the key is node " + key.nodeId().shortForm());
    }
  }

  private static EnvelopeRejectedException malformed(String message) {
    return new EnvelopeRejectedException(Reason.MALFORMED, message);
  }

  /** At most 64 characters, control characters escaped: the name came from the network. */
  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(64).forEach(c -> out.append(c < 0x20 || c == 0x7f ? "?" : Character.toString(c)));
    return s.length() > 64 ? out + "..." : out.toString();
  }
}
