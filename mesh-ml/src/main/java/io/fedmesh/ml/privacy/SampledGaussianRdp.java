package io.fedmesh.ml.privacy;

import java.math.BigInteger;

/**
 * The Rényi DP of one step of the Poisson-subsampled Gaussian mechanism, computed as Mironov, Talwar
 * and Zhang 2019 ("Rényi Differential Privacy of the Sampled Gaussian Mechanism", section 3.3) give it
 * and as TF Privacy's {@code rdp_accountant.py} and Opacus's {@code analysis/rdp.py} evaluate it, so
 * their numbers and ours agree to rounding.
 *
 * <p>With mu0 = N(0, sigma^2), mu1 = N(1, sigma^2) and mu = (1 - q) mu0 + q mu1, the RDP at order
 * alpha is log(A_alpha) / (alpha - 1), where A_alpha = E_{z ~ mu0}[(mu(z) / mu0(z))^alpha] (sensitivity 1:
 * the noise multiplier sigma is the noise's standard deviation over the clipping norm).
 *
 * <ul>
 *   <li>Integer alpha: the binomial expansion
 *       {@code A = sum_{k=0..alpha} C(alpha, k) (1-q)^(alpha-k) q^k exp((k^2 - k) / (2 sigma^2))}.
 *   <li>Fractional alpha: the integral is split at z0 = sigma^2 log(1/q - 1) + 1/2, where (1 - q) mu0 = q mu1,
 *       and each half is a convergent binomial series with a Gaussian tail factor:
 *       {@code A = sum_i C(alpha,i) [(1-q)^(alpha-i) q^i e^((i^2-i)/(2 sigma^2)) erfc((i - z0)/(sqrt2 sigma)) / 2
 *       + (1-q)^i q^(alpha-i) e^((j^2-j)/(2 sigma^2)) erfc((z0 - j)/(sqrt2 sigma)) / 2]}, j = alpha - i.
 *       The binomial coefficients alternate in sign once i exceeds alpha; summation stops, as TF Privacy's
 *       does, after the first i whose two terms are both below e^-30 (the tail alternates, so it is smaller:
 *       A is at least 1, and the error in the RDP is at most about 1e-13 / (alpha - 1)).
 * </ul>
 *
 * <p>Everything is in log space: exp((k^2 - k) / (2 sigma^2)) overflows a double for small sigma long
 * before the RDP is infinite. A is about 1 + q^2 / sigma^2 for small q or large sigma, so log A, and
 * with it the RDP, is good to about 1e-16 / (alpha - 1) absolute, not relative; a result rounded below
 * 0 is reported as 0. Special cases, in this order: q = 0 gives 0, sigma = 0 gives +Infinity,
 * q = 1 gives the plain Gaussian's alpha / (2 sigma^2).
 */
final class SampledGaussianRdp {
  private static final double TAIL = -30;
  private static final double LOG_HALF = Math.log(0.5);
  private static final double SQRT2 = Math.sqrt(2);
  // Far above anything seen: sigma in [0.01, 1e4], q in (0, 1), orders in (1, 1024] stop within 1e5 terms.
  private static final int MAX_TERMS = 10_000_000;
  /** Below this noise multiplier the RDP is reported as +Infinity (a safe bound: it exceeds 10^199 at every order > 1). */
  static final double TINY_SIGMA = 1e-100;

  private SampledGaussianRdp() {}

  /** RDP of one step at {@code order} (> 1), for arguments already checked by the caller. */
  static double rdp(double q, double sigma, double order) {
    if (q == 0) {
      return 0;
    }
    if (sigma < TINY_SIGMA) {
      // No noise, or so little that 1 / (2 sigma^2) overflows: the series' terms turn NaN and never fall
      // below the tail (10^7 terms an order, minutes per call). The true RDP is above 10^199 anyway.
      return Double.POSITIVE_INFINITY;
    }
    if (q == 1) {
      return order / (2 * sigma * sigma);
    }
    double logA = order == Math.rint(order) ? logAInteger(q, sigma, (int) order) : logAFractional(q, sigma, order);
    // A >= 1 (Jensen), so the RDP is never negative; when it is tiny (sigma in the thousands), rounding can
    // leave log A a few ulps below 0, and a negative loss must not cancel another mechanism's.
    return Math.max(0, logA / (order - 1));
  }

  /** log A_alpha for integer alpha >= 2 by the binomial expansion. */
  static double logAInteger(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double logA = Double.NEGATIVE_INFINITY;
    BigInteger binomial = BigInteger.ONE; // C(alpha, k), exact: C(1024, 512) is still a finite double
    for (int k = 0; k <= alpha; k++) {
      if (k > 0) {
        binomial = binomial.multiply(BigInteger.valueOf(alpha - k + 1)).divide(BigInteger.valueOf(k));
      }
      double term = Math.log(binomial.doubleValue()) + k * logQ + (alpha - k) * log1mQ
          + ((double) k * k - k) / (2 * sigma * sigma);
      logA = logAdd(logA, term);
    }
    return logA;
  }

  /** log A_alpha for fractional alpha > 1 by the two series of section 3.3. */
  static double logAFractional(double q, double sigma, double alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double z0 = sigma * sigma * (log1mQ - logQ) + 0.5;
    double twoSigma2 = 2 * sigma * sigma;
    // Positive and negative terms are summed apart and subtracted once, at the end: each half-series is
    // an integral of a positive function, so its positive part is the larger.
    double below = Double.NEGATIVE_INFINITY;
    double belowNegative = Double.NEGATIVE_INFINITY;
    double above = Double.NEGATIVE_INFINITY;
    double aboveNegative = Double.NEGATIVE_INFINITY;
    double logCoefficient = 0; // log |C(alpha, i)|
    boolean negative = false;  // sign of C(alpha, i)
    for (int i = 0; i < MAX_TERMS; i++) {
      if (i > 0) {
        double factor = (alpha - (i - 1)) / i;
        logCoefficient += Math.log(Math.abs(factor));
        negative ^= factor < 0;
      }
      double j = alpha - i;
      double termBelow = logCoefficient + i * logQ + j * log1mQ + ((double) i * i - i) / twoSigma2
          + LOG_HALF + Erfc.log((i - z0) / (SQRT2 * sigma));
      double termAbove = logCoefficient + j * logQ + i * log1mQ + (j * j - j) / twoSigma2
          + LOG_HALF + Erfc.log((z0 - j) / (SQRT2 * sigma));
      if (negative) {
        belowNegative = logAdd(belowNegative, termBelow);
        aboveNegative = logAdd(aboveNegative, termAbove);
      } else {
        below = logAdd(below, termBelow);
        above = logAdd(above, termAbove);
      }
      if (Math.max(termBelow, termAbove) < TAIL) {
        return logAdd(logSub(below, belowNegative), logSub(above, aboveNegative));
      }
    }
    throw new ArithmeticException("RDP series did not converge within " + MAX_TERMS + " terms for q=" + q
        + ", sigma=" + sigma + ", order=" + alpha);
  }

  /** log(e^x + e^y). */
  static double logAdd(double x, double y) {
    double max = Math.max(x, y);
    double min = Math.min(x, y);
    if (min == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log1p(Math.exp(min - max));
  }

  /** log(e^x - e^y) for x >= y; -Infinity when they are equal. */
  static double logSub(double x, double y) {
    if (y == Double.NEGATIVE_INFINITY) {
      return x;
    }
    if (!(x >= y)) {
      throw new ArithmeticException("RDP series sum is negative: log terms " + x + " - " + y);
    }
    if (x == y) {
      return Double.NEGATIVE_INFINITY;
    }
    return x + Math.log(-Math.expm1(y - x));
  }
}
