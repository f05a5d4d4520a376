package io.fedmesh.coordinator.simulation;

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
 */
public record RoundRecord(int round, int participants, long examples, double trainLoss, Metrics test,
    double samplesPerSecond, Metrics baseline, boolean committed, String reason, int invited, int parameters) {}
