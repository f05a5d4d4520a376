package io.fedmesh.ml.strategy;

/**
 * Integer noise for central DP, drawn exactly: the coordinator's implementation samples the discrete
 * Gaussian from a DRBG with no floating point on the sampling path (mesh-coordinator's
 * {@code ExactIntegerNoise}). mesh-ml holds only this seam, because the exact sampler lives in mesh-crypto.
 */
public interface IntegerNoise {
  /**
   * {@code n} independent samples of the discrete Gaussian whose variance is {@code std}^2, rounded up
   * to the sampler's exact grid of variances (never less noise than asked).
   */
  long[] sample(int n, double std);
}
