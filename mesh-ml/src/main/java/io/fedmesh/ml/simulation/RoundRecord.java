package io.fedmesh.ml.simulation;

import io.fedmesh.ml.eval.Metrics;

/**
 * One round of a simulation: who took part, how the new global model scores on the test set, the
 * centralised baseline after the same number of examples, and local training speed.
 *
 * @param trainLoss mean local training loss of the participants' last epoch
 * @param samplesPerSecond examples processed per second of local training (all participants)
 * @param baseline the centralised model's test metrics after as many examples, or null if not run
 */
public record RoundRecord(int round, int participants, long examples, double trainLoss, Metrics test,
    double samplesPerSecond, Metrics baseline) {}
