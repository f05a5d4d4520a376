package io.fedmesh.crypto;

/** A quantiser's parameters would let a sum wrap around the modulus (too many summands, too large weights or too many value bits). */
public final class QuantizationOverflowException extends CryptoException {
  private static final long serialVersionUID = 1L;

  public QuantizationOverflowException(String message) {
    super(message);
  }

  public QuantizationOverflowException(String message, Throwable cause) {
    super(message, cause);
  }
}
