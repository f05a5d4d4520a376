package io.fedmesh.node.model;

/** A model the store refuses: a malformed id, a blob out of bounds or not matching its expected hash, a damaged file. */
public final class ModelStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelStoreException(String message) {
    super(message);
  }
}
