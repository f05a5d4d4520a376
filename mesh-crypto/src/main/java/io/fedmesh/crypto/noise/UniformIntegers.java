package io.fedmesh.crypto.noise;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Uniform integers in [0, n), the only source of randomness of the exact samplers in this package.
 *
 * <p>Each draw takes the fewest random bits that can hold n - 1 and rejects a value of n or more, so
 * every value in [0, n) has probability exactly 1/n (no modulo bias), given uniform bits. Bits come from
 * the wrapped {@link SecureRandom} in blocks of {@value #BLOCK_BYTES} bytes and are spent bit by bit, so a
 * Bernoulli(1/2) costs one bit, not a {@code nextInt} call.
 *
 * <p>In production wrap {@link io.fedmesh.crypto.random.Randomness#strong()}; tests and simulations wrap
 * {@link io.fedmesh.crypto.random.SimulationRandom} for replayable streams. Unused random bits stay in
 * this object until used (noise is secret when it protects a participant's update): keep it private to
 * the component that draws the noise.
 *
 * <p>Not thread-safe: use one instance per thread.
 */
public final class UniformIntegers {
  /** Random bytes fetched from the {@link SecureRandom} at a time. */
  public static final int BLOCK_BYTES = 1024;

  private final SecureRandom random;
  private final byte[] block = new byte[BLOCK_BYTES];
  private final ByteBuffer blockView = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
  private int blockPosition = BLOCK_BYTES;
  private long word;
  private int wordBits;

  /** Draws from {@code random}, which must be a cryptographic generator (a DRBG in production). */
  public UniformIntegers(SecureRandom random) {
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * A uniform integer in [0, n).
   *
   * @throws IllegalArgumentException if n < 1
   */
  public long below(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("the range [0, " + n + ") is empty");
    }
    if (n == 1) {
      return 0;
    }
    int bits = Long.SIZE - Long.numberOfLeadingZeros(n - 1);
    while (true) {
      long candidate = bits(bits);
      if (candidate < n) {
        return candidate;
      }
    }
  }

  /**
   * A uniform integer in [0, n).
   *
   * @throws IllegalArgumentException if n < 1
   */
  public BigInteger below(BigInteger n) {
    if (n.signum() <= 0) {
      throw new IllegalArgumentException("the range [0, " + n + ") is empty");
    }
    int bits = n.subtract(BigInteger.ONE).bitLength();
    if (bits < Long.SIZE) {
      return BigInteger.valueOf(below(n.longValueExact()));
    }
    int bytes = (bits + 7) / 8;
    byte[] magnitude = new byte[bytes];
    while (true) {
      magnitude[0] = (byte) bits(bits - 8 * (bytes - 1));
      for (int i = 1; i < bytes; i++) {
        magnitude[i] = (byte) bits(8);
      }
      BigInteger candidate = new BigInteger(1, magnitude);
      if (candidate.compareTo(n) < 0) {
        return candidate;
      }
    }
  }

  /**
   * True with probability exactly numerator / denominator: "a uniform U in [0, denominator) is below
   * numerator", with U's bits drawn lazily from the most significant down and the draw stopped as soon as
   * the comparisons with the numerator and (for the rejection of U >= denominator) the denominator are
   * decided. Every early stop returns what the full draw would, so the result is exact, and it costs about
   * two random bits on average instead of the denominator's bit length.
   *
   * @throws IllegalArgumentException unless 0 <= numerator <= denominator and denominator >= 1
   */
  public boolean bernoulli(long numerator, long denominator) {
    if (numerator < 0 || numerator > denominator || denominator < 1) {
      throw new IllegalArgumentException("not a probability: " + numerator + "/" + denominator);
    }
    if (numerator == denominator) {
      return true;
    }
    if (numerator == 0) {
      return false;
    }
    int length = Long.SIZE - Long.numberOfLeadingZeros(denominator - 1); // 2^length >= denominator > numerator
    boolean powerOfTwo = (denominator & (denominator - 1)) == 0;
    draw:
    while (true) {
      boolean atDenominator = !powerOfTwo; // U's bits so far equal the denominator's (U could still reach it)
      boolean atNumerator = true; // U's bits so far equal the numerator's
      for (int i = length - 1; i >= 0; i--) {
        long bit = bits(1);
        if (atDenominator) {
          long d = (denominator >>> i) & 1;
          if (bit > d) {
            continue draw; // U >= denominator: rejected
          }
          atDenominator = bit == d;
        }
        if (atNumerator) {
          long n = (numerator >>> i) & 1;
          if (bit < n) {
            return true; // U < numerator <= denominator
          }
          atNumerator = bit == n;
        }
        if (!atNumerator && !atDenominator) {
          return false; // numerator < U < denominator
        }
      }
      if (!atDenominator) {
        return false; // U == numerator
      }
      // U == denominator: rejected
    }
  }

  /**
   * True with probability exactly numerator / denominator, drawn lazily as {@link #bernoulli(long, long)}.
   *
   * @throws IllegalArgumentException unless 0 <= numerator <= denominator and denominator >= 1
   */
  public boolean bernoulli(BigInteger numerator, BigInteger denominator) {
    if (numerator.signum() < 0 || numerator.compareTo(denominator) > 0 || denominator.signum() <= 0) {
      throw new IllegalArgumentException("not a probability: " + numerator + "/" + denominator);
    }
    if (denominator.bitLength() < Long.SIZE) {
      return bernoulli(numerator.longValue(), denominator.longValue());
    }
    if (numerator.equals(denominator)) {
      return true;
    }
    if (numerator.signum() == 0) {
      return false;
    }
    int length = denominator.subtract(BigInteger.ONE).bitLength();
    boolean powerOfTwo = denominator.getLowestSetBit() == denominator.bitLength() - 1;
    draw:
    while (true) {
      boolean atDenominator = !powerOfTwo;
      boolean atNumerator = true;
      for (int i = length - 1; i >= 0; i--) {
        boolean bit = bits(1) == 1;
        if (atDenominator) {
          boolean d = denominator.testBit(i);
          if (bit && !d) {
            continue draw;
          }
          atDenominator = bit == d;
        }
        if (atNumerator) {
          boolean n = numerator.testBit(i);
          if (!bit && n) {
            return true;
          }
          atNumerator = bit == n;
        }
        if (!atNumerator && !atDenominator) {
          return false;
        }
      }
      if (!atDenominator) {
        return false;
      }
    }
  }

  /** A fair coin: one random bit. */
  public boolean coin() {
    return bits(1) == 1;
  }

  /** {@code count} uniform bits (0 to 63) as the low bits of a non-negative long. */
  long bits(int count) {
    if (count <= wordBits) {
      long out = word & ((1L << count) - 1);
      word >>>= count;
      wordBits -= count;
      return out;
    }
    long out = word;
    int have = wordBits;
    int need = count - have;
    word = nextWord();
    out |= (word & ((1L << need) - 1)) << have;
    word >>>= need;
    wordBits = Long.SIZE - need;
    return out;
  }

  private long nextWord() {
    if (blockPosition == BLOCK_BYTES) {
      random.nextBytes(block);
      blockPosition = 0;
    }
    long next = blockView.getLong(blockPosition);
    blockPosition += Long.BYTES;
    return next;
  }
}
