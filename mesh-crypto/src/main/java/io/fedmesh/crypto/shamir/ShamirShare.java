package io.fedmesh.crypto.shamir;

import java.util.Arrays;

/**
 * One shareholder's share of a 32-byte secret: the evaluation point {@code index} (in [1, 2^31 - 1]) and
 * one field element per 31-bit piece of the secret ({@value ShamirSecretSharing#PIECES} pieces).
 */
public final class ShamirShare {
  private final int index;
  private final long[] values;

  /** Builds a share as received; {@link ShamirSecretSharing#reconstruct} checks every field. */
  public ShamirShare(int index, long[] values) {
    this.index = index;
    this.values = values.clone();
  }

  public int index() {
    return index;
  }

  public long[] values() {
    return values.clone();
  }

  long value(int piece) {
    return values[piece];
  }

  int pieces() {
    return values.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShamirShare s && s.index == index && Arrays.equals(s.values, values);
  }

  @Override
  public int hashCode() {
    return 31 * index + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    // Never print share values: enough shares in a log would rebuild the secret.
    return "ShamirShare[index=" + index + "]";
  }
}
