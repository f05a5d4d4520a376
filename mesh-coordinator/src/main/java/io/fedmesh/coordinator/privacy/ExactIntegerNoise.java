package io.fedmesh.coordinator.privacy;

import io.fedmesh.crypto.noise.DiscreteGaussian;
import io.fedmesh.crypto.noise.UniformIntegers;
import io.fedmesh.ml.strategy.IntegerNoise;
import java.security.SecureRandom;

/**
 * Central DP's noise, sampled exactly: the discrete Gaussian of Canonne, Kamath and Steinke from a DRBG,
 * its variance the asked-for one rounded up to an exact binary fraction. Not thread-safe (one per
 * coordinator round thread, as the strategy that uses it).
 */
public final class ExactIntegerNoise implements IntegerNoise {
  private final UniformIntegers random;
  private double lastStd = Double.NaN;
  private DiscreteGaussian last;

  /** @param random the coordinator's DRBG (a seeded generator only in simulations and tests) */
  public ExactIntegerNoise(SecureRandom random) {
    this.random = new UniformIntegers(random);
  }

  @Override
  public long[] sample(int n, double std) {
    if (!(std > 0) || Double.isInfinite(std)) {
      throw new IllegalArgumentException("noise standard deviation must be positive and finite, got " + std);
    }
    if (std != lastStd) {
      last = DiscreteGaussian.ofVarianceAtLeast(std * std);
      lastStd = std;
    }
    return last.sample(random, n);
  }
}
