package io.fedmesh.crypto.ddg;

/**
 * The coordinator's side of the distributed discrete Gaussian (the paper's Algorithm 2): the unmasked
 * sum mod 2^bits -> centred into [-2^(bits-1), 2^(bits-1)) -> multiplied by gamma -> rotated back. If the
 * true noised sum left that interval it wrapped, and that coordinate is wrong by a multiple of
 * 2^bits gamma: the planner sizes bits and gamma so this happens with negligible probability.
 */
public final class DdgDecoder {
  private DdgDecoder() {}

  /**
   * @param sum the sum of the survivors' encodings mod 2^32 (or mod 2^bits), {@code spec.paddedDimension()} words
   * @param length the update's length before padding
   * @return the noised sum of the survivors' (clipped) updates, {@code length} values
   */
  public static double[] decode(int[] sum, DdgSpec spec, int length) {
    if (sum.length != spec.paddedDimension()) {
      throw new IllegalArgumentException("the sum has " + sum.length + " words, the encoding " + spec.paddedDimension());
    }
    double[] centred = new double[sum.length];
    long modulus = 1L << spec.bits();
    long half = modulus >>> 1;
    for (int i = 0; i < sum.length; i++) {
      long v = (sum[i] & 0xFFFF_FFFFL) & (modulus - 1);
      centred[i] = (v >= half ? v - modulus : v) * spec.gamma();
    }
    return RandomizedHadamard.unrotate(centred, length, spec.rotationSeed());
  }
}
