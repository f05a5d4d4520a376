package io.fedmesh.coordinator.round;

import com.google.protobuf.ByteString;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.proto.v1.EvaluationReport;
import io.fedmesh.proto.v1.RoundOutcome;
import java.util.Arrays;
import java.util.List;

/** The round committed: fetch the new model, evaluate it on the held-out data, report the counts. */
final class P4Evaluating implements ParticipantState {
  private boolean evaluating;

  @Override
  public String name(ParticipantContext ctx) {
    return "evaluating";
  }

  @Override
  public ParticipantState onOutcome(ParticipantContext ctx, RoundOutcome outcome, List<RoundAction> out) {
    return this; // a repeated outcome
  }

  @Override
  public ParticipantState onModel(ParticipantContext ctx, float[] model, List<RoundAction> out) {
    if (evaluating || model.length != ctx.stateLength) {
      return this;
    }
    evaluating = true;
    out.add(new RoundAction.Evaluate(ctx.newModel, java.util.Arrays.copyOf(model, ctx.modelLength)));
    return this;
  }

  @Override
  public ParticipantState onEvaluated(ParticipantContext ctx, EvaluationCounts counts, EvaluationCounts personalised,
      List<RoundAction> out) {
    if (!evaluating) {
      return this;
    }
    if (counts == null) {
      return ctx.end("", true, out); // no held-out data: nothing to report, and the round is over for it
    }
    ctx.evaluation = counts;
    EvaluationReport.Builder report = report(ctx, counts);
    if (personalised != null) {
      report.setPersonalised(report(ctx, personalised));
    }
    out.add(new RoundAction.Send(ctx.coordinator, ctx.message().setEvaluation(report).build()));
    return ctx.end("", true, out);
  }

  private static EvaluationReport.Builder report(ParticipantContext ctx, EvaluationCounts counts) {
    EvaluationReport.Builder report = EvaluationReport.newBuilder().setModelSha256(ByteString.copyFrom(
        ctx.newModel.getSha256().toByteArray())).setExamples(counts.examples()).setLossSum(counts.lossSum());
    Arrays.stream(counts.confusion()).flatMapToLong(Arrays::stream).forEach(report::addConfusion);
    Arrays.stream(counts.negativeScores()).forEach(report::addNegativeScores);
    Arrays.stream(counts.positiveScores()).forEach(report::addPositiveScores);
    return report;
  }

  @Override
  public ParticipantState onFailure(ParticipantContext ctx, String reason, List<RoundAction> out) {
    return ctx.end("", true, out); // committed all the same; only the evaluation is missing
  }

  @Override
  public ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out) {
    return ctx.end("", true, out);
  }
}
