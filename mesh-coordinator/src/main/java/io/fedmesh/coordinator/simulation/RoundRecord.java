package io.fedmesh.coordinator.simulation;

import io.fedmesh.ml.eval.EvaluationCounts;
import java.util.List;
import io.fedmesh.ml.eval.Metrics;

/**
 * One round of a simulation: who took part, how the new global model scores on the test set, the
 * centralised baseline after the same number of examples, and local training speed.
 *
 * @param trainLoss mean local training loss of the participants' last epoch
 * @param samplesPerSecond examples processed per second of local training (all participants)
 * @param baseline the centralised model's test metrics after as many examples, or null if not run
 * @param committed whether the round produced a new model (an aborted round leaves it unchanged)
 * @param reason why it aborted ("" if committed)
 * @param invited the cohort the strategy chose (also for aborted rounds): what a round's privacy depends on
 * @param parameters the model's parameter count
 * @param clients with per-client held-out data: each participant's evaluation of the new global model and
 *     of its personalised model, on its own held-out rows (empty without held-out data, or if not committed)
 */
public record RoundRecord(int round, int participants, long examples, double trainLoss, Metrics test,
    double samplesPerSecond, Metrics baseline, boolean committed, String reason, int invited, int parameters,
    List<ClientScore> clients) {

  public RoundRecord {
    clients = List.copyOf(clients);
  }

  /** A round of a simulation without per-client held-out data. */
  public RoundRecord(int round, int participants, long examples, double trainLoss, Metrics test,
      double samplesPerSecond, Metrics baseline, boolean committed, String reason, int invited, int parameters) {
    this(round, participants, examples, trainLoss, test, samplesPerSecond, baseline, committed, reason, invited, parameters,
        List.of());
  }

  /**
   * One client's evaluation on its own held-out rows.
   *
   * @param personalised its personalised model's counts, or null where the federation does not personalise
   */
  public record ClientScore(int client, EvaluationCounts global, EvaluationCounts personalised) {}

  /** The clients' global counts summed (the federated evaluation), or null without per-client scores. */
  public EvaluationCounts federatedGlobal() {
    return clients.stream().map(ClientScore::global).reduce(EvaluationCounts::plus).orElse(null);
  }

  /** The clients' personalised counts summed, or null. */
  public EvaluationCounts federatedPersonalised() {
    return clients.stream().map(ClientScore::personalised).filter(java.util.Objects::nonNull)
        .reduce(EvaluationCounts::plus).orElse(null);
  }
}
