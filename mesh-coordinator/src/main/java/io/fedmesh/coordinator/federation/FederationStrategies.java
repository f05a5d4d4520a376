package io.fedmesh.coordinator.federation;

import io.fedmesh.coordinator.privacy.DpStrategies;
import io.fedmesh.ml.strategy.Algorithm;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.ml.strategy.FedOpt;
import io.fedmesh.ml.strategy.Scaffold;
import io.fedmesh.ml.strategy.Strategy;
import java.security.SecureRandom;

/** The strategy a federation's settings call for, built in one place for the node, simulations and benchmarks. */
public final class FederationStrategies {
  private FederationStrategies() {}

  /**
   * @param fraction of the clients a simulation chooses per round when DP does not sample them (a node's
   *     coordinator selects the cohort itself and passes 1)
   * @param clients the federation's participants (N: SCAFFOLD's average, DP's fixed divisor)
   * @param random the coordinator's DRBG, for central noise
   */
  public static Strategy of(FederationSettings settings, double fraction, int clients, SecureRandom random) {
    FedAvg base = new FedAvg(settings.training(), settings.noiseMultiplier() > 0 ? 1.0 : fraction,
        settings.serverLearningRate(), settings.clipNorm());
    Algorithm algorithm = settings.algorithm();
    Strategy strategy = switch (algorithm) {
      case FEDAVG, FEDPROX -> base;
      case SCAFFOLD -> new Scaffold(base, clients);
      case FEDAVGM, FEDADAM, FEDYOGI, FEDADAGRAD -> new FedOpt(base, algorithm, settings.adaptive());
    };
    return DpStrategies.of(strategy, settings, clients, random);
  }
}
