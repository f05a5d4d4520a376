package io.fedmesh.crypto.ddg;

import io.fedmesh.crypto.noise.UniformIntegers;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Randomised rounding to integers, repeated until the rounded vector's L2 norm is within a bound (the
 * paper's conditional randomised rounding). Each coordinate y becomes floor(y) or floor(y) + 1, the
 * latter with probability y - floor(y), so the rounding is unbiased before conditioning; conditioning
 * on the norm adds a small bias the paper bounds through beta.
 *
 * <p>The norm is computed exactly (integers, {@link BigInteger}), and compared with the bound's exact
 * binary value: the sensitivity the accountant relies on holds for the vector that is actually sent,
 * whatever the floating-point rotation before it did.
 */
public final class ConditionalRounding {
  private ConditionalRounding() {}

  /** Thrown when no rounding within the bound came up in the allowed tries (a bound that is too tight). */
  public static final class NormBoundUnreachableException extends RuntimeException {
    NormBoundUnreachableException(String message) {
      super(message);
    }
  }

  /**
   * @param y values to round, each finite with |y| below 2^62
   * @param normBound the largest L2 norm accepted
   * @param tries attempts before giving up
   * @throws NormBoundUnreachableException after {@code tries} roundings over the bound
   */
  public static long[] round(double[] y, double normBound, UniformIntegers random, int tries) {
    if (!(normBound >= 0) || Double.isInfinite(normBound)) {
      throw new IllegalArgumentException("norm bound must be finite and >= 0, got " + normBound);
    }
    long[] floor = new long[y.length];
    long[] frac = new long[y.length]; // the fractional part in units of 2^-53
    for (int i = 0; i < y.length; i++) {
      double v = y[i];
      if (!(Math.abs(v) < 0x1p62)) {
        throw new IllegalArgumentException("value " + v + " at " + i + " cannot be rounded to a 64-bit integer");
      }
      double f = Math.floor(v);
      floor[i] = (long) f;
      frac[i] = (long) Math.scalb(v - f, 53);
    }
    BigDecimal bound = new BigDecimal(normBound);
    BigInteger boundSquared = bound.multiply(bound).toBigInteger(); // floor: sum of squares is an integer
    long[] out = new long[y.length];
    for (int attempt = 0; attempt < tries; attempt++) {
      for (int i = 0; i < y.length; i++) {
        out[i] = floor[i] + (frac[i] != 0 && random.below(1L << 53) < frac[i] ? 1 : 0);
      }
      if (squaredNorm(out).compareTo(boundSquared) <= 0) {
        return out;
      }
    }
    throw new NormBoundUnreachableException("no rounding within the norm bound " + normBound + " in " + tries + " tries");
  }

  /** The exact squared L2 norm. */
  public static BigInteger squaredNorm(long[] v) {
    // Accumulate in a long while it cannot overflow, spilling into a BigInteger; most vectors never spill.
    BigInteger total = BigInteger.ZERO;
    long acc = 0;
    for (long x : v) {
      long sq;
      if (Math.abs(x) < 1L << 31) {
        sq = x * x;
      } else {
        total = total.add(BigInteger.valueOf(x).multiply(BigInteger.valueOf(x)));
        continue;
      }
      if (acc > Long.MAX_VALUE - sq) {
        total = total.add(BigInteger.valueOf(acc));
        acc = 0;
      }
      acc += sq;
    }
    return total.add(BigInteger.valueOf(acc));
  }
}
