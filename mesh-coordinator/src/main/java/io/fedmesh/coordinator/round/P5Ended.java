package io.fedmesh.coordinator.round;

import io.fedmesh.proto.v1.RoundOutcome;
import java.util.List;

/** The round is over for this participant (or not started): everything for it is late. */
final class P5Ended implements ParticipantState {
  @Override
  public String name(ParticipantContext ctx) {
    return "ended";
  }

  @Override
  public ParticipantState onOutcome(ParticipantContext ctx, RoundOutcome outcome, List<RoundAction> out) {
    return this;
  }

  @Override
  public ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out) {
    return this;
  }
}
