package io.fedmesh.crypto.noise;

import java.math.BigInteger;

/**
 * Bernoulli(exp(-gamma)) for a rational gamma = numerator / denominator >= 0, exactly: Algorithm 1 of
 * Canonne, Kamath and Steinke 2020 ("The Discrete Gaussian for Differential Privacy", section 5.1).
 *
 * <p>For gamma in [0, 1]: draw A_k ~ Bernoulli(gamma / k) for k = 1, 2, ... until the first A_k = 0, and
 * return true if that k is odd. P[true] = sum over odd k of (gamma^(k-1)/(k-1)! - gamma^k/k!) =
 * exp(-gamma). For gamma > 1: exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))), so
 * draw floor(gamma) independent Bernoulli(exp(-1)) (stopping at the first false) and one
 * Bernoulli(exp(-(gamma - floor(gamma)))). Whatever gamma is, the expected number of uniform draws is
 * below e / (1 - 1/e) + e, about 7: each Bernoulli(exp(-1)) takes e draws on average and ends the loop
 * with probability 1 - 1/e.
 *
 * <p>Only integer arithmetic: {@code long} while k * denominator fits, {@link BigInteger} beyond.
 */
public final class BernoulliExp {
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private BernoulliExp() {}

  /**
   * True with probability exactly exp(-numerator / denominator).
   *
   * @throws IllegalArgumentException if numerator < 0 or denominator < 1
   */
  public static boolean sample(UniformIntegers random, long numerator, long denominator) {
    if (numerator < 0 || denominator < 1) {
      throw new IllegalArgumentException(
          "gamma = " + numerator + "/" + denominator + " must be a non-negative rational with a positive denominator");
    }
    for (long whole = numerator / denominator; whole > 0; whole--) {
      if (!minusOne(random)) {
        return false;
      }
    }
    return fraction(random, numerator % denominator, denominator);
  }

  /**
   * True with probability exactly exp(-numerator / denominator).
   *
   * @throws IllegalArgumentException if numerator < 0 or denominator < 1
   */
  public static boolean sample(UniformIntegers random, BigInteger numerator, BigInteger denominator) {
    if (numerator.signum() < 0 || denominator.signum() <= 0) {
      throw new IllegalArgumentException(
          "gamma = " + numerator + "/" + denominator + " must be a non-negative rational with a positive denominator");
    }
    if (denominator.compareTo(LONG_MAX) <= 0 && numerator.compareTo(LONG_MAX) <= 0) {
      return sample(random, numerator.longValue(), denominator.longValue());
    }
    BigInteger[] wholeAndRest = numerator.divideAndRemainder(denominator);
    // Each Bernoulli(exp(-1)) is false with probability 1 - 1/e, so this loop ends after a few steps.
    for (BigInteger i = BigInteger.ZERO; i.compareTo(wholeAndRest[0]) < 0; i = i.add(BigInteger.ONE)) {
      if (!minusOne(random)) {
        return false;
      }
    }
    return fraction(random, wholeAndRest[1], denominator);
  }

  /** Bernoulli(exp(-1)): Algorithm 1 at gamma = 1, where Bernoulli(1/k) is "a uniform draw in [0, k) is 0". */
  static boolean minusOne(UniformIntegers random) {
    long k = 1;
    while (random.below(k) == 0) {
      k++;
    }
    return (k & 1) == 1;
  }

  /** Algorithm 1 for gamma = numerator / denominator in [0, 1). */
  private static boolean fraction(UniformIntegers random, long numerator, long denominator) {
    long k = 1;
    while (true) {
      if (denominator > Long.MAX_VALUE / k) {
        return fractionFrom(random, BigInteger.valueOf(numerator), BigInteger.valueOf(denominator), k);
      }
      // A_k ~ Bernoulli(gamma / k) = Bernoulli(numerator / (k denominator))
      if (random.below(k * denominator) >= numerator) {
        return (k & 1) == 1;
      }
      k++;
    }
  }

  private static boolean fraction(UniformIntegers random, BigInteger numerator, BigInteger denominator) {
    return fractionFrom(random, numerator, denominator, 1);
  }

  private static boolean fractionFrom(UniformIntegers random, BigInteger numerator, BigInteger denominator, long k) {
    while (true) {
      if (random.below(denominator.multiply(BigInteger.valueOf(k))).compareTo(numerator) >= 0) {
        return (k & 1) == 1;
      }
      k++;
    }
  }
}
