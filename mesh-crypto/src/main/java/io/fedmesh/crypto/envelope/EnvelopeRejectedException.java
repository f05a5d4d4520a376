package io.fedmesh.crypto.envelope;

import io.fedmesh.crypto.CryptoException;

/**
 * An envelope failed a check and must not be acted on. The {@link Reason} is stable, so a node can
 * count refusals by reason in a metric and map them to a gRPC status in one place.
 */
public final class EnvelopeRejectedException extends CryptoException {
  private static final long serialVersionUID = 1L;

  /** Why an envelope was refused. */
  public enum Reason {
    /** A field is missing or outside its documented range (see envelope.proto). */
    MALFORMED,
    /** The kind does not name the payload actually carried. */
    KIND_MISMATCH,
    /** The sender field is not the node id of the key the signature is checked with. */
    SENDER_MISMATCH,
    /** The signature does not verify over the canonical signing input. */
    BAD_SIGNATURE
  }

  private final Reason reason;

  public EnvelopeRejectedException(Reason reason, String message) {
    super(reason.name().toLowerCase(java.util.Locale.ROOT) + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
