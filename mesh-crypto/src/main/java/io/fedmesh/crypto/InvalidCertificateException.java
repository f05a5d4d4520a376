package io.fedmesh.crypto;

/** A certificate, certificate signing request or PEM document is malformed, inconsistent (a node id that does not match its key) or not signed by the key it claims. */
public final class InvalidCertificateException extends CryptoException {
  private static final long serialVersionUID = 1L;

  public InvalidCertificateException(String message) {
    super(message);
  }

  public InvalidCertificateException(String message, Throwable cause) {
    super(message, cause);
  }
}
