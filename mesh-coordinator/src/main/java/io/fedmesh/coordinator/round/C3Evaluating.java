package io.fedmesh.coordinator.round;

import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.proto.v1.EvaluationReport;
import io.fedmesh.proto.v1.RoundMessage;
import java.util.Arrays;
import java.util.List;

/**
 * The round is committed; contributors evaluate the new model on their held-out data and report
 * counts, which add up to the federation's evaluation. One report per contributor, for the new model
 * only; the state ends when all contributors reported or at the evaluation deadline.
 */
final class C3Evaluating implements CoordinatorState {
  @Override
  public String name(CoordinatorContext ctx) {
    return "evaluating";
  }

  @Override
  public CoordinatorState onMessage(CoordinatorContext ctx, int client, RoundMessage message, List<RoundAction> out) {
    if (!message.hasEvaluation()) {
      return CoordinatorState.super.onMessage(ctx, client, message, out);
    }
    var from = ctx.cohort.get(client);
    if (Arrays.stream(ctx.survivors).noneMatch(s -> s == client) || !ctx.evaluated.add(client)) {
      out.add(new RoundAction.Refused(from, "unexpected_report", "not a contributor, or reported already"));
      ctx.count("unexpected_report");
      return this;
    }
    EvaluationReport r = message.getEvaluation();
    try {
      if (!r.getModelSha256().equals(ctx.nextRef.getSha256())) {
        throw new IllegalArgumentException("it evaluates another model");
      }
      EvaluationCounts global = counts(r, ctx.settings.classes());
      EvaluationCounts personal = null;
      if (r.hasPersonalised()) {
        if (!ctx.settings.personalisation().enabled() || r.getPersonalised().hasPersonalised()
            || !r.getPersonalised().getModelSha256().equals(ctx.nextRef.getSha256())
            || r.getPersonalised().getExamples() != r.getExamples()) {
          throw new IllegalArgumentException("its personalised counts are not of this federation's personalised model on"
              + " the same data");
        }
        personal = counts(r.getPersonalised(), ctx.settings.classes());
        // The same data: as many examples of each true class (a row of the confusion matrix) as the global counts.
        long[][] g = global.confusion();
        long[][] p = personal.confusion();
        for (int k = 0; k < g.length; k++) {
          if (java.util.Arrays.stream(g[k]).sum() != java.util.Arrays.stream(p[k]).sum()) {
            throw new IllegalArgumentException("its personalised counts are of another class balance than its global ones");
          }
        }
      }
      // Both sums first, then both kept: a report refused for either part leaves nothing of it counted
      // (it may be sent again, and its global counts must not be added twice).
      EvaluationCounts evaluation = ctx.evaluation.plus(global);
      EvaluationCounts personalised = personal == null ? ctx.personalised
          : ctx.personalised == null ? personal : ctx.personalised.plus(personal);
      ctx.evaluation = evaluation;
      ctx.personalised = personalised;
    } catch (IllegalArgumentException | ArithmeticException e) {
      ctx.evaluated.remove(client);
      out.add(new RoundAction.Refused(from, "bad_report", "evaluation report refused: " + e.getMessage()));
      ctx.count("bad_report");
      return this;
    }
    return ctx.evaluated.size() == ctx.survivors.length ? ctx.finish(out) : this;
  }

  @Override
  public CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out) {
    return ctx.finish(out);
  }

  static EvaluationCounts counts(EvaluationReport r, int classes) {
    if (r.getConfusionCount() != classes * classes) {
      throw new IllegalArgumentException("confusion matrix has " + r.getConfusionCount() + " cells, expected " + classes * classes);
    }
    // The loss sum bounded like the counts (at most 2^40 per example): no sum of reports can overflow to
    // infinity, so whether a report is refused never depends on which reports came before it.
    if (r.getExamples() > 1L << 40 || !Double.isFinite(r.getLossSum())
        || r.getLossSum() > (double) Math.max(1, r.getExamples()) * (1L << 40)) {
      throw new IllegalArgumentException("examples or loss out of range");
    }
    long[][] confusion = new long[classes][classes];
    for (int i = 0; i < classes * classes; i++) {
      long v = r.getConfusion(i);
      if (v < 0 || v > 1L << 40) {
        throw new IllegalArgumentException("count out of range");
      }
      confusion[i / classes][i % classes] = v;
    }
    // Each bin bounded like a confusion cell: 64 bins of unbounded uint64 could wrap their sum to the row
    // total and pass the histogram check with counts that swamp everyone's AUC.
    if (r.getNegativeScoresList().stream().anyMatch(v -> v < 0 || v > 1L << 40)
        || r.getPositiveScoresList().stream().anyMatch(v -> v < 0 || v > 1L << 40)) {
      throw new IllegalArgumentException("score count out of range");
    }
    return new EvaluationCounts(r.getExamples(), r.getLossSum(), confusion,
        r.getNegativeScoresList().stream().mapToLong(Long::longValue).toArray(),
        r.getPositiveScoresList().stream().mapToLong(Long::longValue).toArray());
  }
}
