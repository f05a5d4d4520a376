package io.fedmesh.proto.canonical;

/**
 * A message cannot be encoded canonically (unknown fields, a map field, a NaN), so it can be neither
 * signed nor verified. Receivers treat it as a malformed message from its sender.
 */
public final class CanonicalEncodingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CanonicalEncodingException(String message) {
    super(message);
  }
}
