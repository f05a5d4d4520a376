package io.fedmesh.crypto;

/** A set of secret shares cannot be used: too few, duplicate or out-of-range indices, values outside the field, or shares of different secrets. */
public final class InvalidShareException extends CryptoException {
  private static final long serialVersionUID = 1L;

  public InvalidShareException(String message) {
    super(message);
  }

  public InvalidShareException(String message, Throwable cause) {
    super(message, cause);
  }
}
