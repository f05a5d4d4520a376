package io.fedmesh.coordinator.round;

import io.fedmesh.proto.v1.RoundMessage;
import java.util.List;

/** The round is over: everything that still arrives for it is late. */
final class C4Ended implements CoordinatorState {
  @Override
  public String name(CoordinatorContext ctx) {
    return "ended";
  }

  @Override
  public CoordinatorState onMessage(CoordinatorContext ctx, int client, RoundMessage message, List<RoundAction> out) {
    return CoordinatorState.super.onMessage(ctx, client, message, out);
  }

  @Override
  public CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out) {
    return this;
  }
}
