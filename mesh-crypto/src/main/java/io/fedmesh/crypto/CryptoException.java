package io.fedmesh.crypto;

/**
 * Base of every error mesh-crypto reports for bad input. Each subclass names who is at fault and
 * what was wrong; none of them is ever thrown after a partial result has been returned, so a caller
 * that catches one holds no garbage.
 */
public abstract class CryptoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected CryptoException(String message) {
    super(message);
  }

  protected CryptoException(String message, Throwable cause) {
    super(message, cause);
  }
}
