package io.fedmesh.ml.privacy;

/**
 * Amplification by Poisson sampling for any mechanism with a known RDP curve: Zhu and Wang, "Poisson
 * Subsampled Rényi Differential Privacy" (ICML 2019), Theorem 5, the general upper bound, which the DDG
 * reference applies ({@code accounting_utils._compute_rdp_subsampled} with {@code upper_bound=True}).
 * If a mechanism is (l, eps(l))-RDP at every integer order l in [2, alpha] for add/remove neighbours,
 * running it on a Poisson sample of rate q is (alpha, eps'(alpha))-RDP with
 * <pre>{@code
 * eps'(alpha) = 1/(alpha - 1) log[ (1-q)^(alpha-1) (alpha q - q + 1)
 *                                  + C(alpha, 2) q^2 (1-q)^(alpha-2) e^eps(2)
 *                                  + 3 sum_{l=3..alpha} C(alpha, l) q^l (1-q)^(alpha-l) e^((l-1) eps(l)) ]
 * }</pre>
 * for integer alpha >= 2 only.
 */
final class PoissonSubsampledRdp {
  private PoissonSubsampledRdp() {}

  /**
   * @param q the sampling rate, in (0, 1)
   * @param alpha the order, an integer at least 2
   * @param eps eps[l] is the mechanism's RDP at order l, for l = 2..alpha (indices 0 and 1 unused)
   */
  static double rdp(double q, int alpha, double[] eps) {
    double log1mq = Math.log1p(-q);
    double logq = Math.log(q);
    double[] logTerms = new double[alpha];
    logTerms[0] = (alpha - 1) * log1mq + Math.log(alpha * q - q + 1);
    logTerms[1] = logBinomial(alpha, 2) + 2 * logq + (alpha - 2) * log1mq + eps[2];
    for (int l = 3; l <= alpha; l++) {
      logTerms[l - 1] = Math.log(3) + logBinomial(alpha, l) + l * logq + (alpha - l) * log1mq + (l - 1) * eps[l];
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double t : logTerms) {
      max = Math.max(max, t);
    }
    if (max == Double.POSITIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    double sum = 0;
    for (double t : logTerms) {
      sum += Math.exp(t - max);
    }
    // The first term is the binomial weights of l = 0 and 1, so with every eps(l) >= 0 the sum is at least
    // the whole binomial distribution, 1: a negative result is rounding, within 1e-16 of the true value.
    return Math.max(0, (max + Math.log(sum)) / (alpha - 1));
  }

  /** log C(n, k) for 0 <= k <= n, as a sum of logs: exact enough for the orders used (n <= 1024). */
  static double logBinomial(int n, int k) {
    int small = Math.min(k, n - k);
    double s = 0;
    for (int i = 1; i <= small; i++) {
      s += Math.log(n - small + i) - Math.log(i);
    }
    return s;
  }
}
