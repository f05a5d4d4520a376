package io.fedmesh.ml.train.dpsgd;

import java.util.random.RandomGenerator;

/**
 * Poisson sampling: every one of N examples joins the batch independently with probability q, so the
 * batch size is Binomial(N, q) and may be 0. This, not a shuffle or a fixed-size batch, is what the
 * subsampled-Gaussian RDP bound assumes (see {@link io.fedmesh.ml.privacy.RdpAccountant}).
 *
 * <p>Rather than one coin per example, the gaps between included examples are drawn directly: a gap is
 * Geometric(q) (failures before a success), floor(log U / log(1 - q)) for U uniform in (0, 1]. This is
 * the same distribution with one draw per included example instead of one per example, so sampling 64
 * of 60,000 costs 64 draws.
 */
final class PoissonSampler {
  private PoissonSampler() {}

  /**
   * Writes the sampled indices, increasing, into {@code out} (of length at least n) and returns how many.
   *
   * @throws IllegalArgumentException if q is outside (0, 1]
   */
  static int sample(int n, double q, RandomGenerator random, int[] out) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("sampling rate q must be in (0, 1], got " + q);
    }
    if (q == 1) {
      for (int i = 0; i < n; i++) {
        out[i] = i;
      }
      return n;
    }
    double logMiss = Math.log1p(-q);
    int count = 0;
    double i = -1; // a double, so that no gap, however long, can overflow
    while (true) {
      double u = 1 - random.nextDouble(); // in (0, 1]: log never sees 0
      i += 1 + Math.floor(Math.log(u) / logMiss);
      if (i >= n) {
        return count;
      }
      out[count++] = (int) i;
    }
  }
}
