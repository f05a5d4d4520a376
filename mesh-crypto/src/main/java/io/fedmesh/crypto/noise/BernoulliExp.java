package io.fedmesh.crypto.noise;

import java.math.BigInteger;

/**
 * Bernoulli(exp(-gamma)) for a rational gamma = numerator / denominator >= 0, exactly: Algorithm 1 of
 * Canonne, Kamath and Steinke 2020 ("The Discrete Gaussian for Differential Privacy").
 *
 * <p>For gamma in [0, 1]: draw A_k ~ Bernoulli(gamma / k) for k = 1, 2, ... until the first A_k = 0, and
 * return true if that k is odd. P[true] = sum over odd k of (gamma^(k-1)/(k-1)! - gamma^k/k!) =
 * exp(-gamma). For gamma > 1: exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))), so
 * draw floor(gamma) independent Bernoulli(exp(-1)) (stopping at the first false) and one
 * Bernoulli(exp(-(gamma - floor(gamma)))). Whatever gamma is, the expected number of exact Bernoulli
 * draws ({@link UniformIntegers#bernoulli}, about two random bits each) is below e / (1 - 1/e) + 2e, about
 * 10: a Bernoulli(exp(-1)) takes e draws on average and ends the loop with probability 1 - 1/e.
 *
 * <p>Only integer arithmetic: {@code long} while gamma's numerator and denominator fit, {@link BigInteger}
 * beyond.
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

  /** Bernoulli(exp(-1)): Algorithm 1 at gamma = 1. */
  static boolean minusOne(UniformIntegers random) {
    long k = 1;
    while (random.bernoulli(1, k)) {
      k++;
    }
    return (k & 1) == 1;
  }

  /**
   * Algorithm 1 for gamma = numerator / denominator in [0, 1). Its A_k ~ Bernoulli(gamma / k) is drawn as
   * Bernoulli(1 / k) and Bernoulli(gamma), independent, both true: the same law, with no k * denominator.
   */
  private static boolean fraction(UniformIntegers random, long numerator, long denominator) {
    long k = 1;
    while (random.bernoulli(1, k) && random.bernoulli(numerator, denominator)) {
      k++;
    }
    return (k & 1) == 1;
  }

  private static boolean fraction(UniformIntegers random, BigInteger numerator, BigInteger denominator) {
    long k = 1;
    while (random.bernoulli(1, k) && random.bernoulli(numerator, denominator)) {
      k++;
    }
    return (k & 1) == 1;
  }
}
