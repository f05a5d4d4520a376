package io.fedmesh.coordinator.privacy;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.ml.strategy.DpFixedClipping;
import io.fedmesh.ml.strategy.Strategy;
import java.security.SecureRandom;

/** A federation's strategy as its DP settings call for: as it is, or wrapped with central or distributed noise. */
public final class DpStrategies {
  private DpStrategies() {}

  /**
   * @param clients the federation's participants (the fixed divisor's n)
   * @param random the coordinator's DRBG, for central noise
   */
  public static Strategy of(Strategy fedAvg, FederationSettings settings, int clients, SecureRandom random) {
    if (!(settings.noiseMultiplier() > 0)) {
      return fedAvg;
    }
    return settings.distributedNoise()
        ? DpFixedClipping.distributed(fedAvg, clients, settings.noiseMultiplier(), settings.clipNorm(), settings.sampling())
        : DpFixedClipping.central(fedAvg, clients, settings.noiseMultiplier(), settings.clipNorm(), settings.sampling(),
            new ExactIntegerNoise(random));
  }
}
