package io.fedmesh.crypto.noise;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Reference probabilities for the tests, to 40 significant digits: computed with {@link BigDecimal}
 * from the definitions, independently of the samplers.
 */
final class ExactPmf {
  static final MathContext MC = new MathContext(60, RoundingMode.HALF_EVEN);

  private final long min;
  private final BigDecimal[] probability;

  private ExactPmf(long min, BigDecimal[] probability) {
    this.min = min;
    this.probability = probability;
  }

  /**
   * N_Z(0, p/q) on [-L, L] with L = ceil(14 sigma) + 2, normalised by the sum over that range; the mass
   * beyond is below exp(-98) relative, far under the 40 digits kept.
   */
  static ExactPmf discreteGaussian(BigInteger p, BigInteger q) {
    BigDecimal variance = new BigDecimal(p).divide(new BigDecimal(q), MC);
    long range = variance.sqrt(MC).multiply(BigDecimal.valueOf(14)).setScale(0, RoundingMode.CEILING).longValueExact() + 2;
    // w(x) = exp(-1/(2 sigma^2))^(x^2)
    BigDecimal base = exp(new BigDecimal(q).divide(new BigDecimal(p.shiftLeft(1)), MC).negate());
    BigDecimal[] weight = new BigDecimal[(int) (2 * range + 1)];
    for (long x = 0; x <= range; x++) {
      BigDecimal w = base.pow(Math.toIntExact(x * x), MC);
      weight[(int) (range + x)] = w;
      weight[(int) (range - x)] = w;
    }
    return normalised(-range, weight);
  }

  /** The discrete Laplace with scale t/s: P[x] proportional to exp(-s/t)^|x|, on [-L, L] with the tail below exp(-100). */
  static ExactPmf discreteLaplace(long t, long s) {
    long range = (100 * t + s - 1) / s + 1;
    BigDecimal base = exp(BigDecimal.valueOf(s).divide(BigDecimal.valueOf(t), MC).negate());
    BigDecimal[] weight = new BigDecimal[(int) (2 * range + 1)];
    for (long x = 0; x <= range; x++) {
      BigDecimal w = base.pow((int) x, MC);
      weight[(int) (range + x)] = w;
      weight[(int) (range - x)] = w;
    }
    return normalised(-range, weight);
  }

  private static ExactPmf normalised(long min, BigDecimal[] weight) {
    BigDecimal total = BigDecimal.ZERO;
    for (BigDecimal w : weight) {
      total = total.add(w, MC);
    }
    BigDecimal[] probability = new BigDecimal[weight.length];
    for (int i = 0; i < weight.length; i++) {
      probability[i] = weight[i].divide(total, MC);
    }
    return new ExactPmf(min, probability);
  }

  long min() {
    return min;
  }

  long max() {
    return min + probability.length - 1;
  }

  /** P[X = x], 0 outside [min, max]. */
  BigDecimal at(long x) {
    return x < min || x > max() ? BigDecimal.ZERO : probability[(int) (x - min)];
  }

  /** E[X^2], the variance of these symmetric distributions. */
  BigDecimal secondMoment() {
    BigDecimal sum = BigDecimal.ZERO;
    for (long x = min; x <= max(); x++) {
      sum = sum.add(at(x).multiply(BigDecimal.valueOf(x * x)), MC);
    }
    return sum;
  }

  /** exp(x) by halving x until it is at most 1/2 in magnitude, a Taylor series, then squaring back. */
  static BigDecimal exp(BigDecimal x) {
    int halvings = 0;
    BigDecimal reduced = x;
    while (reduced.abs().compareTo(new BigDecimal("0.5")) > 0) {
      reduced = reduced.divide(BigDecimal.valueOf(2), MC);
      halvings++;
    }
    MathContext wide = new MathContext(MC.getPrecision() + 10 + halvings, RoundingMode.HALF_EVEN);
    BigDecimal term = BigDecimal.ONE;
    BigDecimal sum = BigDecimal.ONE;
    BigDecimal tiny = BigDecimal.ONE.movePointLeft(wide.getPrecision() + 5);
    for (int k = 1; term.abs().compareTo(tiny) > 0; k++) {
      term = term.multiply(reduced, wide).divide(BigDecimal.valueOf(k), wide);
      sum = sum.add(term, wide);
    }
    for (int i = 0; i < halvings; i++) {
      sum = sum.multiply(sum, wide);
    }
    return sum.round(MC);
  }
}
