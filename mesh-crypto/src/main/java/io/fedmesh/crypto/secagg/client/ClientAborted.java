package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;

/** The round ended for this client without its participation completing. */
record ClientAborted(AbortReason reason) implements ClientState {
  @Override
  public Phase phase() {
    return reason.phase();
  }

  @Override
  public Transition onDeadline(ClientContext ctx) {
    return Transition.to(this);
  }
}
