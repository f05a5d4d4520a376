package io.fedmesh.crypto.quantize;

import io.fedmesh.crypto.mask.MaskGenerator;
import java.security.SecureRandom;

/**
 * Uniform 32-bit words for stochastic rounding, a block at a time, from an AES-CTR stream keyed by a
 * fresh seed drawn from the caller's generator. One instance serves one quantisation call.
 */
final class RoundingBits {
  /** Words per block: 64 KiB of keystream, the size the AES intrinsic handles best. */
  static final int BLOCK = MaskGenerator.MAX_CHUNK_BYTES / Integer.BYTES;

  private final MaskGenerator stream;
  private final int[] block;

  RoundingBits(SecureRandom random) {
    byte[] seed = new byte[MaskGenerator.SEED_BYTES];
    random.nextBytes(seed);
    stream = new MaskGenerator(seed, "stochastic rounding");
    java.util.Arrays.fill(seed, (byte) 0);
    block = new int[BLOCK];
  }

  /** The next {@code n} (at most {@link #BLOCK}) words, in {@code [0, n)} of the returned array. */
  int[] next(int n) {
    stream.next(block, 0, n);
    return block;
  }
}
