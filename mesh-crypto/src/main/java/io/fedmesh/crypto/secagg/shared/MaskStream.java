package io.fedmesh.crypto.secagg.shared;

import io.fedmesh.crypto.mask.MaskGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Several masks applied to one vector a block at a time: each block of {@link #BLOCK_WORDS} words
 * gets every mask while it is in cache, instead of every mask streaming over the whole vector (k + 1
 * passes over megabytes). Each generator keeps its counter, so blocks must be given in order.
 */
public final class MaskStream {
  /**
   * Words per block (16 KiB): the block and every generator's keystream for it stay in L2 for the usual
   * k of 10-40 (64 KiB blocks thrashed it: 17 generators took 2x the raw AES time).
   */
  public static final int BLOCK_WORDS = 4096;

  private final List<MaskGenerator> masks = new ArrayList<>();
  private final List<Boolean> adds = new ArrayList<>();
  private final WorkMeter meter;

  MaskStream(WorkMeter meter) {
    this.meter = meter;
  }

  MaskStream add(MaskGenerator mask, int sign) {
    masks.add(mask);
    adds.add(sign > 0);
    return this;
  }

  public int size() {
    return masks.size();
  }

  /** Applies the next {@code to - from} words of every mask to {@code block[from, to)}. */
  public void apply(int[] block, int from, int to) {
    for (int g = 0; g < masks.size(); g++) {
      if (adds.get(g)) {
        masks.get(g).addTo(block, from, to);
      } else {
        masks.get(g).subtractFrom(block, from, to);
      }
    }
    meter.maskWords((long) (to - from) * masks.size());
  }

  /** Applies every mask to the whole of {@code words}, a block at a time. */
  public void applyAll(int[] words) {
    for (int from = 0; from < words.length; from += BLOCK_WORDS) {
      apply(words, from, Math.min(words.length, from + BLOCK_WORDS));
    }
  }
}
