package io.fedmesh.crypto.noise;

/**
 * The discrete Laplace distribution on the integers with scale t / s: P[x] proportional to
 * exp(-|x| s / t), sampled exactly by Algorithm 2 of Canonne, Kamath and Steinke 2020 ("The Discrete
 * Gaussian for Differential Privacy").
 *
 * <p>Algorithm: draw U uniform in [0, t) and keep it with probability exp(-U / t) (else draw again); draw
 * V ~ Geometric(1 - exp(-1)) by counting Bernoulli(exp(-1)) successes; X = U + t V is then geometric with
 * P[X = x] proportional to exp(-x / t), and Y = floor(X / s) geometric with parameter 1 - exp(-s / t).
 * A fair sign B makes it symmetric; (B = negative, Y = 0) is rejected so that 0 is not counted twice.
 * U is kept with probability at least 1 - 1/e and the sign rejection costs at most half the rest, so
 * the loop runs fewer than 2 / (1 - 1/e), about 3.2, times on average.
 *
 * <p>Immutable and thread-safe; the {@link UniformIntegers} passed in is not.
 */
public final class DiscreteLaplace {
  private final long t;
  private final long s;

  private DiscreteLaplace(long t, long s) {
    this.t = t;
    this.s = s;
  }

  /**
   * The discrete Laplace with scale t / s (P[x] proportional to exp(-|x| s / t)).
   *
   * @throws IllegalArgumentException unless t >= 1 and s >= 1
   */
  public static DiscreteLaplace withScale(long t, long s) {
    if (t < 1 || s < 1) {
      throw new IllegalArgumentException("the scale t/s = " + t + "/" + s + " needs integers t >= 1 and s >= 1");
    }
    return new DiscreteLaplace(t, s);
  }

  /** The scale's numerator t. */
  public long scaleNumerator() {
    return t;
  }

  /** The scale's denominator s. */
  public long scaleDenominator() {
    return s;
  }

  /**
   * One sample.
   *
   * @throws ArithmeticException if U + t V overflows a long, which needs V > 2^62 / t: for t <= 2^41 a
   *     probability below exp(-2^20), never in practice (refused rather than approximated)
   */
  public long sample(UniformIntegers random) {
    while (true) {
      long u = random.below(t);
      if (!BernoulliExp.sample(random, u, t)) {
        continue;
      }
      long v = 0;
      while (BernoulliExp.minusOne(random)) {
        v++;
      }
      long x = Math.addExact(u, Math.multiplyExact(t, v));
      long y = x / s;
      boolean negative = random.coin();
      if (negative && y == 0) {
        continue;
      }
      return negative ? -y : y;
    }
  }
}
