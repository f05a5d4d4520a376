package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.identity.NodeId;
import java.util.List;
import java.util.Map;

/**
 * How one round ended, as one engine saw it.
 *
 * @param committed true if a new model came of it
 * @param reason why it aborted, or declined ("" when committed)
 * @param cohort the nodes invited
 * @param contributors updates in the sum (0 if aborted)
 * @param declined cohort members that declined, with their reasons
 * @param modelSha256 the new model (hex) if committed, else the unchanged one
 * @param evaluation the federated evaluation of the new model (null if none, or on a participant)
 * @param refusals messages refused during the round, by reason (late, violation codes, not_in_cohort ...)
 * @param personalised the federated evaluation of the participants' personalised models, on the same
 *     held-out data (null if the federation does not personalise, or no report carried it)
 */
public record RoundReport(long round, boolean committed, String reason, List<NodeId> cohort, int contributors,
    Map<NodeId, String> declined, String modelSha256, io.fedmesh.ml.eval.EvaluationCounts evaluation, Map<String, Long> refusals,
    io.fedmesh.ml.eval.EvaluationCounts personalised) {

  /** A report without a personalised evaluation. */
  public RoundReport(long round, boolean committed, String reason, List<NodeId> cohort, int contributors,
      Map<NodeId, String> declined, String modelSha256, io.fedmesh.ml.eval.EvaluationCounts evaluation,
      Map<String, Long> refusals) {
    this(round, committed, reason, cohort, contributors, declined, modelSha256, evaluation, refusals, null);
  }

  public RoundReport {
    cohort = List.copyOf(cohort);
    declined = Map.copyOf(declined);
    refusals = Map.copyOf(refusals);
  }
}
