package io.fedmesh.ml.train;

/** A participant's update holds a NaN or an infinity (training diverged): it is refused before clipping, never summed. */
public final class NonFiniteUpdateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NonFiniteUpdateException(String message) {
    super(message);
  }
}
