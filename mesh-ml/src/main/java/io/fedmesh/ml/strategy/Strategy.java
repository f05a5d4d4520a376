package io.fedmesh.ml.strategy;

import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;
import java.util.Random;

/**
 * A federated algorithm, server side (Flower's shape): it chooses each round's participants and what
 * they do, and turns the round's aggregated update into the next global model. Decorators (central
 * DP) wrap another strategy.
 */
public interface Strategy {

  /** How participants train locally. */
  TrainingOptions options();

  /** The participants of {@code round} among {@code clients} and their instructions. */
  FitInstructions configureFit(int round, int clients, Random random);

  /**
   * The next global state from the current one and the round's aggregate. The state is the model,
   * followed by whatever server state the algorithm keeps ({@link Algorithm#stateVectors()}). {@code failures} are the
   * participants whose updates are missing; a round with no contributors leaves the model unchanged.
   */
  float[] aggregateFit(int round, float[] global, AggregatedUpdate aggregate, List<Failure> failures);

  /** A short name for reports ("fedavg", "fedprox mu=0.01", "central-dp(fedavg) ..."). */
  String describe();
}
