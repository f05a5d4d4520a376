package io.fedmesh.coordinator.round;

import io.fedmesh.proto.v1.RoundOutcome;
import java.util.List;

/** This participant's part is done; waiting for the coordinator to say how the round ended. */
final class P3AwaitingOutcome implements ParticipantState {
  @Override
  public String name(ParticipantContext ctx) {
    return "awaiting_outcome";
  }

  @Override
  public ParticipantState onOutcome(ParticipantContext ctx, RoundOutcome outcome, List<RoundAction> out) {
    return outcome.getCommitted() ? committed(ctx, outcome, out)
        : ctx.end(ParticipantRound.ABORTED + outcome.getReason(), false, out);
  }

  static ParticipantState committed(ParticipantContext ctx, RoundOutcome outcome, List<RoundAction> out) {
    var model = outcome.getModel();
    if (!model.getFederation().getName().equals(ctx.federation) || model.getSha256().size() != 32
        || model.getSizeBytes() != (long) ctx.stateLength * Float.BYTES) {
      return ctx.end("the committed model's reference does not fit the round", false, out);
    }
    ctx.newModel = model;
    ctx.contributors = outcome.getContributors();
    out.add(new RoundAction.FetchModel(ctx.coordinator, model));
    out.add(ctx.timer(ctx.secAggWait()));
    return new P4Evaluating();
  }

  @Override
  public ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out) {
    return ctx.end("no outcome from the coordinator", false, out);
  }
}
