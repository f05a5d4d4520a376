package io.fedmesh.crypto.quantize;

/** The ring sums are taken in: Z_2^32 (int words) or, when n, weights and bit width need it, Z_2^64. */
public enum Modulus {
  BITS_32(32),
  BITS_64(64);

  private final int bits;

  Modulus(int bits) {
    this.bits = bits;
  }

  public int bits() {
    return bits;
  }

  /** The largest magnitude a sum may reach and still decode: 2^(bits-1) - 1. */
  long maxMagnitude() {
    return bits == 64 ? Long.MAX_VALUE : Integer.MAX_VALUE;
  }
}
