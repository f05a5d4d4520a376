package io.fedmesh.crypto;

/** A vector to quantise holds NaN or an infinity, or a value outside the quantiser's range; the message names the first offending index. */
public final class InvalidVectorException extends CryptoException {
  private static final long serialVersionUID = 1L;

  public InvalidVectorException(String message) {
    super(message);
  }

  public InvalidVectorException(String message, Throwable cause) {
    super(message, cause);
  }
}
