package io.fedmesh.crypto.secagg.server;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;

/** The round ended without a sum. */
record ServerAborted(AbortReason reason) implements ServerState {
  @Override
  public Phase phase() {
    return reason.phase();
  }
}
