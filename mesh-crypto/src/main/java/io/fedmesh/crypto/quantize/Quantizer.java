package io.fedmesh.crypto.quantize;

import io.fedmesh.crypto.InvalidVectorException;
import io.fedmesh.crypto.QuantizationOverflowException;
import java.security.SecureRandom;

/**
 * Fixed-point quantisation of float vectors into Z_2^32 or Z_2^64 with unbiased stochastic rounding,
 * and decoding of sums. Secure aggregation adds quantised vectors modulo 2^bits; this class makes sure
 * such a sum decodes to the real sum.
 *
 * <p><b>Encoding.</b> A value x in [-clip, clip] and an integer weight w in [0, maxWeight] become
 * q = R(x * w * scale), scale = (2^(valueBits-1) - 1) / clip, where R rounds up with probability equal
 * to the fractional part (so E[q] = x * w * scale exactly), stored as q mod 2^bits. Values outside the
 * range are refused, never clipped: the caller clips before noise, and sizes the range to hold the noise.
 *
 * <p><b>No overflow.</b> |q| <= w * (2^(valueBits-1) - 1), so a sum of n encodings decodes correctly
 * while n * maxWeight * (2^(valueBits-1) - 1) <= 2^(bits-1) - 1. {@link #maxSummands()} gives the
 * largest such n, and {@link #checkCapacity(int)} refuses more. For example, 32-bit words with 16 value
 * bits and 8 weight bits hold 2^31-1 / (255 * 32767) = 257 summands; 64-bit words hold over 10^12.
 *
 * <p><b>Error.</b> Each rounding moves a value by less than one step, plus the double-precision error
 * of x * w * scale (at most |q| * 2^-49 of a step, below 2^-18 for 32-bit words); so each coordinate
 * of a decoded sum of n differs from the true weighted sum by less than n (1 + W L 2^-49) / scale,
 * {@link #sumErrorBound(int)}. The same term bounds the bias of R. For 64-bit words this caps
 * valueBits + weightBits at 49, which keeps that term under half a step.
 *
 * <p>Speed: one pass, validation included. The rounding bits come from an AES-CTR stream (the mask
 * generator, keyed by a fresh 32-byte seed from the caller's generator per call), made 64 KiB at a
 * time: a cryptographic generator, and faster than a per-element mixing function. See mesh-bench for
 * measured rates. Thread-safe (immutable).
 */
public final class Quantizer {
  private final double clip;
  private final int valueBits;
  private final int weightBits;
  private final Modulus modulus;
  private final long maxLevel;
  private final long maxWeight;
  private final double scale;

  /**
   * @param clip the range is [-clip, clip]; finite and positive
   * @param valueBits bits of one unweighted quantised value, sign included: [2, 31] for 32-bit words,
   *     [2, 48] for 64-bit words (and valueBits + weightBits <= 49, see "Error" above)
   * @param weightBits bits of the integer weight; 0 means unweighted (weight always 1)
   * @param modulus 32- or 64-bit words
   */
  public Quantizer(double clip, int valueBits, int weightBits, Modulus modulus) {
    if (!(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("clip must be finite and positive, got " + clip);
    }
    int maxValueBits = modulus == Modulus.BITS_32 ? 31 : 48;
    if (valueBits < 2 || valueBits > maxValueBits) {
      throw new IllegalArgumentException(
          "valueBits must be in [2, " + maxValueBits + "] for " + modulus.bits() + "-bit words, got " + valueBits);
    }
    if (weightBits < 0 || weightBits > 30 || valueBits + weightBits > 49) {
      throw new IllegalArgumentException(
          "weightBits must be in [0, 30] with valueBits + weightBits <= 49, got " + weightBits);
    }
    this.clip = clip;
    this.valueBits = valueBits;
    this.weightBits = weightBits;
    this.modulus = modulus;
    this.maxLevel = (1L << (valueBits - 1)) - 1;
    this.maxWeight = weightBits == 0 ? 1 : (1L << weightBits) - 1;
    if (maxWeight * maxLevel > modulus.maxMagnitude()) {
      throw new QuantizationOverflowException(
          "one weighted value (" + weightBits + " weight bits, " + valueBits + " value bits) already overflows "
              + modulus.bits() + "-bit words");
    }
    this.scale = maxLevel / clip;
    if (Double.isInfinite(scale * maxWeight)) {
      throw new IllegalArgumentException("clip " + clip + " is too small: its scale overflows a double");
    }
  }

  /** The largest number of encodings whose sum always decodes correctly. */
  public long maxSummands() {
    return modulus.maxMagnitude() / (maxWeight * maxLevel);
  }

  /** @throws QuantizationOverflowException if a sum of {@code summands} encodings could wrap around */
  public void checkCapacity(int summands) {
    if (summands < 0 || summands > maxSummands()) {
      throw new QuantizationOverflowException(
          summands + " summands of " + valueBits + "-bit values with " + weightBits + "-bit weights can overflow "
              + modulus.bits() + "-bit words: at most " + maxSummands() + " fit");
    }
  }

  /** Largest error of any coordinate of a decoded (weighted) sum of {@code summands} encodings. */
  public double sumErrorBound(int summands) {
    return summands * (1 + maxWeight * maxLevel * 0x1.0p-49) / scale;
  }

  /** Integer units per value unit, before weighting: a sum of words w decodes to w / scale. */
  public double scale() {
    return scale;
  }

  public double clip() {
    return clip;
  }

  public long maxWeight() {
    return maxWeight;
  }

  public Modulus modulus() {
    return modulus;
  }

  /** Quantises unweighted values (weight 1) into 32-bit words. */
  public int[] quantize(float[] values, SecureRandom random) {
    return quantize(values, 1, random);
  }

  /**
   * Quantises {@code values}, each multiplied by {@code weight}, into 32-bit words.
   *
   * @throws InvalidVectorException naming the first index holding NaN, an infinity, or a value outside [-clip, clip]
   * @throws IllegalArgumentException if weight is outside [0, maxWeight] or this quantiser has 64-bit words
   */
  public int[] quantize(float[] values, long weight, SecureRandom random) {
    int[] out = new int[values.length];
    quantizeInto(values, weight, random, out);
    return out;
  }

  /**
   * As {@link #quantize(float[], long, SecureRandom)}, writing into {@code out[0, values.length)} (which
   * may be longer): saves a copy when the encoding is the start of a larger buffer. If it throws,
   * that part of {@code out} holds garbage.
   */
  public void quantizeInto(float[] values, long weight, SecureRandom random, int[] out) {
    if (out.length < values.length) {
      throw new IllegalArgumentException("output holds " + out.length + " words, need " + values.length);
    }
    session(weight, random).next(values, 0, values.length, out, 0);
  }

  /**
   * A quantisation of one vector done piece by piece, so a caller can process a block at a time while
   * it is in cache (the SecAgg client masks each block right after quantising it). Pieces must be
   * asked for in order; the rounding stream continues across them.
   */
  public Session session(long weight, SecureRandom random) {
    requireModulus(Modulus.BITS_32);
    return new Session(weightedScale(weight), new RoundingBits(random));
  }

  /** One vector's quantisation in progress; not thread-safe. */
  public final class Session {
    private final double s;
    private final RoundingBits bits;

    private Session(double s, RoundingBits bits) {
      this.s = s;
      this.bits = bits;
    }

    /**
     * Quantises {@code values[from, to)} into {@code out[outFrom, outFrom + to - from)}.
     *
     * @throws InvalidVectorException naming the first bad index (that part of {@code out} is garbage)
     */
    public void next(float[] values, int from, int to, int[] out, int outFrom) {
      for (int start = from; start < to; start += RoundingBits.BLOCK) {
        int end = Math.min(to, start + RoundingBits.BLOCK);
        int[] u = bits.next(end - start);
        // Branch-free and clamp-free (see weightedScale): validity is accumulated, not branched on,
        // and checked once per block.
        int bad = 0;
        int shift = outFrom - from;
        for (int i = start; i < end; i++) {
          float v = values[i];
          bad |= Math.abs(v) <= clip ? 0 : 1; // false for NaN as well
          double y = v * s;
          double floor = Math.floor(y);
          out[i + shift] = (int) floor + roundUp(u[i - start], y - floor);
        }
        if (bad != 0) {
          throw firstOutOfRange(values, start, end);
        }
      }
    }
  }

  /** Quantises {@code values}, each multiplied by {@code weight}, into 64-bit words; as {@link #quantize(float[], long, SecureRandom)}. */
  public long[] quantizeWide(float[] values, long weight, SecureRandom random) {
    requireModulus(Modulus.BITS_64);
    double s = weightedScale(weight);
    long[] out = new long[values.length];
    RoundingBits bits = new RoundingBits(random);
    for (int from = 0; from < values.length; from += RoundingBits.BLOCK) {
      int to = Math.min(values.length, from + RoundingBits.BLOCK);
      int[] u = bits.next(to - from);
      int bad = 0;
      for (int i = from; i < to; i++) {
        float v = values[i];
        bad |= Math.abs(v) <= clip ? 0 : 1;
        double y = v * s;
        double floor = Math.floor(y);
        out[i] = (long) floor + roundUp(u[i - from], y - floor);
      }
      if (bad != 0) {
        throw firstOutOfRange(values, from, to);
      }
    }
    return out;
  }

  /**
   * Decodes a sum of 32-bit encodings (already reduced mod 2^32) into the real weighted sum, divided
   * by {@code divisor} (the total weight, to get a weighted mean; 1 for the plain sum).
   *
   * @throws IllegalArgumentException if divisor is not finite and positive
   */
  public double[] decode(int[] sum, double divisor) {
    requireModulus(Modulus.BITS_32);
    checkDivisor(divisor);
    // Divide rather than multiply by a reciprocal: one correctly rounded step, and decoding runs once a round.
    double denominator = scale * divisor;
    double[] out = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = sum[i] / denominator; // a Java int is the two's-complement (signed) reading of the word
    }
    return out;
  }

  /** Decodes a sum of 64-bit encodings; as {@link #decode(int[], double)}. */
  public double[] decodeWide(long[] sum, double divisor) {
    requireModulus(Modulus.BITS_64);
    checkDivisor(divisor);
    double denominator = scale * divisor;
    double[] out = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = sum[i] / denominator;
    }
    return out;
  }

  /**
   * The multiplier for one call: scale * weight, nudged down until clip * s <= w * maxLevel holds in
   * double arithmetic. Rounding to nearest is monotonic, so then |v * s| <= w * maxLevel for every
   * |v| <= clip; at the bound itself the fraction is 0 and never rounds up, so no result leaves
   * [-w * maxLevel, w * maxLevel] and the loop needs no clamp. The nudge is a few ulps (1e-16 relative).
   */
  private double weightedScale(long weight) {
    if (weight < 0 || weight > maxWeight) {
      throw new IllegalArgumentException("weight must be in [0, " + maxWeight + "], got " + weight);
    }
    double bound = (double) (maxLevel * weight);
    double s = scale * weight;
    while (clip * s > bound) {
      s = Math.nextDown(s);
    }
    return s;
  }

  /**
   * 1 with probability {@code fraction}, else 0: whether u < fraction for u uniform in [0, 1) made
   * exactly from 32 random bits. Read from the sign bit of u - fraction (exact in sign, and +0.0 when
   * equal) rather than a comparison: the outcome is a coin flip, and as a branch it would be
   * mispredicted half the time, which cost about 2 ns a value.
   */
  private static int roundUp(int bits, double fraction) {
    double u = bits * 0x1.0p-32 + 0.5;
    return (int) (Double.doubleToRawLongBits(u - fraction) >>> 63);
  }

  /** The error naming the first NaN, infinity or value outside [-clip, clip] in values[from, to). */
  private InvalidVectorException firstOutOfRange(float[] values, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!(Math.abs(values[i]) <= clip)) {
        return outOfRange(values, i);
      }
    }
    throw new IllegalStateException("a block was flagged but holds no bad value");
  }

  private static void checkDivisor(double divisor) {
    if (!(divisor > 0) || Double.isInfinite(divisor)) {
      throw new IllegalArgumentException("divisor must be finite and positive (a total weight of 0 has no mean), got " + divisor);
    }
  }

  private void requireModulus(Modulus expected) {
    if (modulus != expected) {
      throw new IllegalStateException(
          "this quantiser has " + modulus.bits() + "-bit words; use the " + modulus.bits() + "-bit methods");
    }
  }

  private InvalidVectorException outOfRange(float[] values, int i) {
    float v = values[i];
    String what = Float.isNaN(v) ? "NaN" : Float.isInfinite(v) ? "an infinity" : v + ", outside [-" + clip + ", " + clip + "]";
    return new InvalidVectorException("value at index " + i + " is " + what);
  }
}
