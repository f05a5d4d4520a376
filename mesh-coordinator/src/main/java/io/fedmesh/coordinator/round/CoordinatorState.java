package io.fedmesh.coordinator.round;

import io.fedmesh.proto.v1.RoundMessage;
import java.util.List;

/** One state of the coordinator's round; each returns the state that follows. */
interface CoordinatorState {
  String name(CoordinatorContext ctx);

  /** A decline, SecAgg or evaluation message from cohort member {@code client} of this round instance. */
  default CoordinatorState onMessage(CoordinatorContext ctx, int client, RoundMessage message, List<RoundAction> out) {
    out.add(new RoundAction.Refused(ctx.cohort.get(client), "late",
        message.getBodyCase() + " after its phase closed (" + name(ctx) + ")"));
    ctx.count("late");
    return this;
  }

  CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out);

  default CoordinatorState onUnmaskReleased(CoordinatorContext ctx, List<io.fedmesh.proto.v1.UnmaskEndorsement> endorsements,
      List<RoundAction> out) {
    return this;
  }
}
