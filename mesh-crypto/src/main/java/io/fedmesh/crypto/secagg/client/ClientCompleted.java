package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.Phase;

/** The client has answered its one unmask request: nothing more is revealed this round. */
record ClientCompleted() implements ClientState {
  @Override
  public Phase phase() {
    return Phase.COMPLETED;
  }

  @Override
  public Transition onDeadline(ClientContext ctx) {
    return Transition.to(this);
  }
}
