package io.fedmesh.node.round;

import java.util.List;

/**
 * A federation's rounds, as the coordinator sees them at one moment.
 *
 * @param round the current (or last) round number, 0 before the first
 * @param phase what the current round is doing ("inviting", "advertise_keys", ..., "evaluating"), or "idle"
 * @param invited cohort size of the current round
 * @param advertised participants whose keys arrived in the current round
 * @param declined participants that declined the current round
 * @param dropped participants that left the current round after advertising
 * @param roundsLeft rounds still to run after the current one
 * @param modelSha256 the federation's current global model (64 hex digits), or "" before the first
 * @param history every finished round since this node started coordinating, oldest first
 */
public record RoundStatus(String federation, long round, String phase, int invited, int advertised, int declined,
    int dropped, int roundsLeft, String modelSha256, List<Finished> history) {

  public RoundStatus {
    history = List.copyOf(history);
  }

  /**
   * One finished round.
   *
   * @param outcome "committed" or "aborted"
   * @param reason why it aborted ("" when committed)
   * @param contributors updates in the sum
   * @param loss mean evaluation loss over the participants' held-out data (NaN if none reported)
   * @param accuracy evaluation accuracy (NaN if none reported)
   * @param auc ROC AUC for binary tasks (NaN otherwise or if none reported)
   * @param personalisedAccuracy the participants' personalised models' accuracy on the same data (NaN if the
   *     federation does not personalise, or none reported), and {@code personalisedAuc} their AUC
   */
  public record Finished(long round, String outcome, String reason, String modelSha256, int contributors,
      long evaluationExamples, double loss, double accuracy, double auc, long durationMillis, double personalisedAccuracy,
      double personalisedAuc) {

    /** A round without a personalised evaluation. */
    public Finished(long round, String outcome, String reason, String modelSha256, int contributors,
        long evaluationExamples, double loss, double accuracy, double auc, long durationMillis) {
      this(round, outcome, reason, modelSha256, contributors, evaluationExamples, loss, accuracy, auc, durationMillis,
          Double.NaN, Double.NaN);
    }
  }
}
