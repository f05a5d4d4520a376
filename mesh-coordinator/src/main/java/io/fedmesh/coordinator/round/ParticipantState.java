package io.fedmesh.coordinator.round;

import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.proto.v1.RoundOutcome;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.List;

/** One state of a participant's round; each returns the state that follows. Defaults refuse or ignore. */
interface ParticipantState {
  String name(ParticipantContext ctx);

  default ParticipantState onSecAgg(ParticipantContext ctx, SecAggMessage m, List<RoundAction> out) {
    out.add(new RoundAction.Refused(ctx.coordinator, "late", m.getBodyCase() + " while " + name(ctx)));
    return this;
  }

  /**
   * An outcome before this participant's part is done: the round is over for it. The coordinator's words
   * never decide how the round counts (max_consecutive_aborts caps a coordinator that aborts to retry):
   * its abort reason is quoted after a fixed prefix, and a round that did not sum this participant's input
   * is not its commit ("left out" if it revealed nothing yet, an abort otherwise: P2Aggregating).
   */
  default ParticipantState onOutcome(ParticipantContext ctx, RoundOutcome outcome, List<RoundAction> out) {
    return outcome.getCommitted()
        ? ctx.end(ParticipantRound.LEFT_OUT + "the round committed without this participant", false, out)
        : ctx.end(ParticipantRound.ABORTED + outcome.getReason(), false, out);
  }

  default ParticipantState onModel(ParticipantContext ctx, float[] model, List<RoundAction> out) {
    return this; // not waiting for one: a late delivery
  }

  default ParticipantState onTrained(ParticipantContext ctx, float[] update, long examples, List<RoundAction> out) {
    return this; // training finished after the round gave up on it
  }

  default ParticipantState onEvaluated(ParticipantContext ctx, EvaluationCounts counts, EvaluationCounts personalised,
      List<RoundAction> out) {
    return this;
  }

  default ParticipantState onFailure(ParticipantContext ctx, String reason, List<RoundAction> out) {
    return this;
  }

  ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out);
}
