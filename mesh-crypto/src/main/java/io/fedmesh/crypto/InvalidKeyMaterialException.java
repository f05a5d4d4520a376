package io.fedmesh.crypto;

/** A key, public point or key encoding is malformed: wrong length, not on the expected curve, or (for X25519) a low-order point that would make the shared secret all zeros. */
public final class InvalidKeyMaterialException extends CryptoException {
  private static final long serialVersionUID = 1L;

  public InvalidKeyMaterialException(String message) {
    super(message);
  }

  public InvalidKeyMaterialException(String message, Throwable cause) {
    super(message, cause);
  }
}
