package io.fedmesh.coordinator.round;

import io.fedmesh.proto.v1.RoundMessage;
import java.util.List;

/** The SecAgg+ phases after the key directory: each closes when everyone expected answered, or at its deadline. */
final class C1Aggregating implements CoordinatorState {
  @Override
  public String name(CoordinatorContext ctx) {
    return ctx.server.phase().name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public CoordinatorState onMessage(CoordinatorContext ctx, int client, RoundMessage message, List<RoundAction> out) {
    if (message.hasSecagg()) {
      return ctx.toServer(client, message.getSecagg(), this, out);
    }
    return CoordinatorState.super.onMessage(ctx, client, message, out);
  }

  @Override
  public CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out) {
    return ctx.deadline(this, out);
  }
}
