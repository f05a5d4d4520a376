package io.fedmesh.crypto.secagg.server;

import io.fedmesh.crypto.secagg.shared.Phase;

/** The sum is unmasked. */
record ServerCompleted(SecAggResult result) implements ServerState {
  @Override
  public Phase phase() {
    return Phase.COMPLETED;
  }
}
