package io.fedmesh.crypto.ddg;

import io.fedmesh.crypto.mask.MaskGenerator;

/**
 * The rotation x -> H D x, with D a diagonal of random signs drawn from a public per-round seed and H
 * the orthonormal Walsh-Hadamard matrix of a power-of-two size. It spreads an update's norm evenly over
 * the coordinates, so that rounding and the modular wrap treat every coordinate alike (the paper's
 * "flattening"); being orthonormal, it keeps L2 norms, and H D is undone by D H.
 *
 * <p>The seed is public (it is in the round plan): the rotation is not a secret, only a fresh one per
 * round, so no one can choose an update that the rotation maps onto a few coordinates. Thread-safe
 * (stateless).
 */
public final class RandomizedHadamard {
  private static final String PURPOSE = "ddg rotation";

  private RandomizedHadamard() {}

  /** The rotated, zero-padded copy of {@code x}: {@code paddedDimension} values. */
  public static double[] rotate(float[] x, int paddedDimension, byte[] seed) {
    checkDimension(x.length, paddedDimension);
    double[] y = new double[paddedDimension];
    int[] signs = signWords(paddedDimension, seed);
    for (int i = 0; i < x.length; i++) {
      y[i] = negative(signs, i) ? -x[i] : x[i];
    }
    transform(y);
    return y;
  }

  /** The first {@code length} values of D H y: the inverse of {@link #rotate}. */
  public static double[] unrotate(double[] y, int length, byte[] seed) {
    checkDimension(length, y.length);
    double[] x = y.clone();
    transform(x);
    int[] signs = signWords(x.length, seed);
    double[] out = new double[length];
    for (int i = 0; i < length; i++) {
      out[i] = negative(signs, i) ? -x[i] : x[i];
    }
    return out;
  }

  /** The smallest power of two at least {@code length}. */
  public static int paddedDimension(int length) {
    if (length < 1 || length > 1 << 30) {
      throw new IllegalArgumentException("length must be in [1, 2^30], got " + length);
    }
    return length == 1 ? 1 : Integer.highestOneBit(length - 1) << 1;
  }

  /** The orthonormal fast Walsh-Hadamard transform, in place (its own inverse). */
  static void transform(double[] a) {
    int n = a.length;
    for (int h = 1; h < n; h <<= 1) {
      for (int i = 0; i < n; i += h << 1) {
        for (int j = i; j < i + h; j++) {
          double u = a[j];
          double v = a[j + h];
          a[j] = u + v;
          a[j + h] = u - v;
        }
      }
    }
    double norm = 1 / Math.sqrt(n);
    for (int i = 0; i < n; i++) {
      a[i] *= norm;
    }
  }

  private static int[] signWords(int n, byte[] seed) {
    int[] words = new int[(n + 31) / 32];
    new MaskGenerator(seed, PURPOSE).next(words, 0, words.length);
    return words;
  }

  private static boolean negative(int[] signs, int i) {
    return (signs[i >>> 5] >>> (i & 31) & 1) != 0;
  }

  private static void checkDimension(int length, int padded) {
    if (padded < 1 || Integer.bitCount(padded) != 1 || padded < length) {
      throw new IllegalArgumentException("the rotation needs a power of two at least " + length + ", got " + padded);
    }
  }
}
