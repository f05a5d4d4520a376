package io.fedmesh.crypto.ddg;

import io.fedmesh.crypto.noise.UniformIntegers;
import java.security.SecureRandom;

/**
 * A participant's side of the distributed discrete Gaussian (the paper's Algorithm 1): clipped update
 * -> rotate -> divide by gamma -> conditional randomised rounding -> add its discrete Gaussian noise ->
 * reduce mod 2^bits. The result is what it feeds to secure aggregation in integer mode; its noise
 * alone is not meant to protect it: the sum of the honest survivors' noise is.
 */
public final class DdgEncoder {
  private DdgEncoder() {}

  /**
   * @param update the clipped update: its L2 norm must be at most the spec's clip norm (checked, with a
   *     relative slack of 1e-6 for the float clipping that produced it), every value finite
   * @param random the participant's DRBG (noise and rounding)
   * @return {@code spec.paddedDimension()} words, each in [0, 2^bits) (as unsigned 32-bit values)
   * @throws IllegalArgumentException if the update is not clipped or holds NaN or an infinity
   */
  public static int[] encode(float[] update, DdgSpec spec, SecureRandom random) {
    double norm = 0;
    for (int i = 0; i < update.length; i++) {
      float v = update[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("update value at " + i + " is " + v);
      }
      norm += (double) v * v;
    }
    norm = Math.sqrt(norm);
    if (norm > spec.clipNorm() * (1 + 1e-6)) {
      throw new IllegalArgumentException("update norm " + norm + " is above the clip norm " + spec.clipNorm());
    }
    double[] y = RandomizedHadamard.rotate(update, spec.paddedDimension(), spec.rotationSeed());
    double inverseGamma = 1 / spec.gamma();
    for (int i = 0; i < y.length; i++) {
      y[i] *= inverseGamma;
    }
    // The slack above lets a norm a hair over c through; the rounding bound absorbs it (sqrt(d) >= 1).
    UniformIntegers uniform = new UniformIntegers(random);
    long[] rounded = ConditionalRounding.round(y, spec.normBound(), uniform, DdgSpec.MAX_ROUNDING_TRIES);
    long mask = spec.bits() == 32 ? 0xFFFF_FFFFL : (1L << spec.bits()) - 1;
    int[] out = new int[rounded.length];
    for (int i = 0; i < rounded.length; i++) {
      out[i] = (int) ((rounded[i] + spec.noise().sample(uniform)) & mask);
    }
    return out;
  }
}
