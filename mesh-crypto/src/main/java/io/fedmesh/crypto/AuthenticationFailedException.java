package io.fedmesh.crypto;

/** An authenticated ciphertext failed its check (tampered tag, ciphertext, nonce or associated data, or the wrong key): nothing of the plaintext is returned. */
public final class AuthenticationFailedException extends CryptoException {
  private static final long serialVersionUID = 1L;

  public AuthenticationFailedException(String message) {
    super(message);
  }

  public AuthenticationFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
