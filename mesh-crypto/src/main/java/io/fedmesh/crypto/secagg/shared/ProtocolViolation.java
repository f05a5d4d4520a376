package io.fedmesh.crypto.secagg.shared;

/**
 * A message refused by a secure-aggregation engine. The engine's state is exactly as before the
 * message; the {@link #offender()} is the client whose message it was (-1 for the server).
 */
public final class ProtocolViolation extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What was wrong with the message. */
  public enum Code {
    /** The message names another round. */
    WRONG_ROUND,
    /** The message does not belong to the current phase. */
    UNEXPECTED_MESSAGE,
    /** The sender or a client it names is not part of this round or phase. */
    NOT_IN_ROUND,
    /** A share or request concerns a client that is not the sender's neighbour. */
    NOT_A_NEIGHBOUR,
    /** The same message, chunk or share arrived twice. */
    DUPLICATE,
    /** A public key is unusable: a low-order X25519 point, which would fix the shared secret. */
    INVALID_KEY,
    /** A key, chunk or share has the wrong length or count. */
    WRONG_LENGTH,
    /** The message contradicts itself or the protocol (say, asks for both secrets of one client). */
    INCONSISTENT,
    /**
     * A dealer dealt a bad share, provably (offender: the dealer): its own ciphertext, opened with the
     * key the holder revealed, holds a share outside the field or not matching the dealer's commitment;
     * or shares that all open the dealer's commitments do not rebuild the secret it committed to.
     */
    BAD_DEALING,
    /** The message carries fields this version does not know (it could not be hashed or signed canonically). */
    MALFORMED
  }

  private final Code code;
  private final int offender;

  public ProtocolViolation(Code code, int offender, String message) {
    super(code + (offender >= 0 ? " from client " + offender : " from the server") + ": " + message);
    this.code = code;
    this.offender = offender;
  }

  public Code code() {
    return code;
  }

  /** The client whose message was refused, or -1 for the server. */
  public int offender() {
    return offender;
  }
}
