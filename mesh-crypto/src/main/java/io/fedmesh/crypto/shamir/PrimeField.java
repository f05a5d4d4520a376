package io.fedmesh.crypto.shamir;

/**
 * Arithmetic modulo the prime p = 2^31 + 11, the field Google's SecAgg implementation also shares in.
 * Every element is below 2^32, so a product of two fits in a signed long (p^2 < 2^63).
 */
final class PrimeField {
  static final long P = (1L << 31) + 11;

  private PrimeField() {}

  static long add(long a, long b) {
    long s = a + b;
    return s >= P ? s - P : s;
  }

  static long sub(long a, long b) {
    long d = a - b;
    return d < 0 ? d + P : d;
  }

  static long mul(long a, long b) {
    return (a * b) % P;
  }

  /** a^(p-2) = a^-1 for a != 0 (Fermat). */
  static long inverse(long a) {
    if (a == 0) {
      throw new ArithmeticException("zero has no inverse");
    }
    long result = 1;
    long base = a;
    for (long e = P - 2; e > 0; e >>= 1) {
      if ((e & 1) != 0) {
        result = mul(result, base);
      }
      base = mul(base, base);
    }
    return result;
  }
}
