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
 * <p><b>Error.</b> Each coordinate of a decoded sum differs from the true weighted sum by less than
 * n / scale (each rounding moves a value by less than one step), see {@link #sumErrorBound(int)}.
 *
 * <p>Speed: one pass, validation included, with a SplitMix64 stream seeded once per call from the
 * caller's generator; about a nanosecond per value. Thread-safe (immutable).
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
   *     [2, 52] for 64-bit words (and valueBits + weightBits <= 53, the exact range of a double)
   * @param weightBits bits of the integer weight; 0 means unweighted (weight always 1)
   * @param modulus 32- or 64-bit words
   */
  public Quantizer(double clip, int valueBits, int weightBits, Modulus modulus) {
    if (!(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("clip must be finite and positive, got " + clip);
    }
    int maxValueBits = modulus == Modulus.BITS_32 ? 31 : 52;
    if (valueBits < 2 || valueBits > maxValueBits) {
      throw new IllegalArgumentException(
          "valueBits must be in [2, " + maxValueBits + "] for " + modulus.bits() + "-bit words, got " + valueBits);
    }
    if (weightBits < 0 || weightBits > 30 || valueBits + weightBits > 53) {
      throw new IllegalArgumentException(
          "weightBits must be in [0, 30] with valueBits + weightBits <= 53, got " + weightBits);
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
    return summands / scale;
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
    requireModulus(Modulus.BITS_32);
    checkWeight(weight);
    int[] out = new int[values.length];
    double s = scale * weight;
    long bound = maxLevel * weight;
    long state = random.nextLong();
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      // One comparison also catches NaN, for which every comparison is false.
      if (!(Math.abs(v) <= clip)) {
        throw outOfRange(values, i);
      }
      state += GOLDEN_GAMMA;
      out[i] = (int) round(v * s, mix(state), bound);
    }
    return out;
  }

  /** Quantises {@code values}, each multiplied by {@code weight}, into 64-bit words; as {@link #quantize(float[], long, SecureRandom)}. */
  public long[] quantizeWide(float[] values, long weight, SecureRandom random) {
    requireModulus(Modulus.BITS_64);
    checkWeight(weight);
    long[] out = new long[values.length];
    double s = scale * weight;
    long bound = maxLevel * weight;
    long state = random.nextLong();
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (!(Math.abs(v) <= clip)) {
        throw outOfRange(values, i);
      }
      state += GOLDEN_GAMMA;
      out[i] = round(v * s, mix(state), bound);
    }
    return out;
  }

  /**
   * Decodes a sum of 32-bit encodings (already reduced mod 2^32) into the real weighted sum, divided
   * by {@code divisor} (the total weight, to get a weighted mean; 1 for the plain sum).
   */
  public double[] decode(int[] sum, double divisor) {
    requireModulus(Modulus.BITS_32);
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
    double denominator = scale * divisor;
    double[] out = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = sum[i] / denominator;
    }
    return out;
  }

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  /** SplitMix64's output function (Steele, Lea, Flood 2014). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Rounds y up with probability frac(y), using 53 random bits; clamps the 1-ulp overshoot of y * s. */
  private static long round(double y, long randomBits, long bound) {
    double floor = Math.floor(y);
    double u = (randomBits >>> 11) * 0x1.0p-53;
    long q = (long) floor + (u < y - floor ? 1 : 0);
    return Math.max(-bound, Math.min(bound, q));
  }

  private void checkWeight(long weight) {
    if (weight < 0 || weight > maxWeight) {
      throw new IllegalArgumentException("weight must be in [0, " + maxWeight + "], got " + weight);
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
