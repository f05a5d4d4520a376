package io.fedmesh.node.relay;

/**
 * Why an expected routed transfer ({@link RoutedTransfers#expect}) did not deliver its bytes. The
 * message starts with the reason's label ("hash_mismatch: ..."). Every reason is final for that
 * expectation: nothing is resent, so whoever needs the bytes expects again and asks again.
 */
public final class ExpectedTransferException extends Exception {
  /** What went wrong; {@link #label()} is also the message's prefix. */
  public enum Reason {
    /** The bytes arrived whole, but their SHA-256 is not the one expected. */
    HASH_MISMATCH,
    /** The last chunk came before the declared length was reached. */
    SHORT,
    /** A chunk would have taken the payload past its declared length; it was refused. */
    OVERSIZED,
    /** A chunk did not continue where the last one ended (one was lost or the sender misbehaves). */
    OUT_OF_ORDER,
    /** The payload was not complete within the expectation's timeout. */
    TIMEOUT,
    /** Not taken on: too many expectations open, or one already open for that sender and federation. */
    BUSY,
    /** Its requester gave it up ({@link RoutedTransfers#abandon}): not retried. */
    ABANDONED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Reason reason;

  ExpectedTransferException(Reason reason, String detail) {
    super(reason.label() + ": " + detail);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
