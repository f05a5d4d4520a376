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
   * Shrinks a norm at the clip by this factor: with 32-bit words c / gamma is near 2^28, and the
   * conditional rounding's bound leaves ||y||^2 a margin of only about c / gamma, so an update a few
   * float ulps over the clip (as float clipping leaves them) could never be rounded within it. Far above
   * double rounding in the rotation (about 2^-49), far below anything the model notices.
   */
  static final double CLIP_SHRINK = 1 - 0x1p-40;

  /**
   * @param update the clipped update: its L2 norm must be at most the spec's clip norm, with a relative
   *     slack of 1e-5 for the float clipping that produced it (it is clipped again here, in double, to
   *     just under the norm), every value finite
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
    if (norm > spec.clipNorm() * (1 + 1e-5)) {
      throw new IllegalArgumentException("update norm " + norm + " is above the clip norm " + spec.clipNorm());
    }
    double[] y = RandomizedHadamard.rotate(update, spec.paddedDimension(), spec.rotationSeed());
    double shrink = norm > spec.clipNorm() * CLIP_SHRINK ? spec.clipNorm() * CLIP_SHRINK / norm : 1;
    double factor = shrink / spec.gamma();
    for (int i = 0; i < y.length; i++) {
      y[i] *= factor;
    }
    // Privacy does not rest on the shrink: the rounded vector's norm is checked exactly against the bound.
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
