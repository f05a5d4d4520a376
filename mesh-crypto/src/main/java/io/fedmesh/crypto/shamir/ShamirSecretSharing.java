package io.fedmesh.crypto.shamir;

import io.fedmesh.crypto.InvalidShareException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir t-of-k secret sharing of 32-byte secrets over the prime field p = 2^31 + 11.
 *
 * <p>A 256-bit secret is larger than the field, and reducing it modulo p would lose information, so
 * it is cut into {@value #PIECES} pieces of at most {@value #PIECE_BITS} bits (each below p), and every
 * piece is shared with its own random polynomial of degree t-1 (as Google's SecAgg implementation
 * does). Any t shares rebuild the secret; any t-1 are uniformly distributed whatever the secret is.
 */
public final class ShamirSecretSharing {
  public static final int SECRET_BYTES = 32;
  /** The field's prime, 2^31 + 11: every share value is below it. */
  public static final long PRIME = PrimeField.P;
  static final int PIECE_BITS = 31;
  /** ceil(256 / 31) = 9 pieces; the last one holds the remaining 8 bits. */
  public static final int PIECES = (SECRET_BYTES * 8 + PIECE_BITS - 1) / PIECE_BITS;
  /**
   * Evaluation points must be in [1, MAX_INDEX]: 0 would be the secret itself, and 2^31 - 1 (the
   * largest int) is below p, so distinct indices are distinct field elements.
   */
  public static final int MAX_INDEX = Integer.MAX_VALUE;

  private ShamirSecretSharing() {}

  /** Shares {@code secret} among shareholders 1..k, any {@code threshold} of whom can rebuild it. */
  public static List<ShamirShare> split(byte[] secret, int threshold, int shares, SecureRandom random) {
    if (shares < 1) {
      throw new IllegalArgumentException("need at least one share, got " + shares);
    }
    int[] indices = new int[shares];
    for (int i = 0; i < shares; i++) {
      indices[i] = i + 1;
    }
    return split(secret, threshold, indices, random);
  }

  /**
   * Shares {@code secret} with one share per evaluation point in {@code indices}.
   *
   * @throws IllegalArgumentException if the secret is not 32 bytes, threshold is not in [1, k], or an
   *     index is duplicated or outside [1, 2^31 - 1]
   */
  public static List<ShamirShare> split(byte[] secret, int threshold, int[] indices, SecureRandom random) {
    if (secret == null || secret.length != SECRET_BYTES) {
      throw new IllegalArgumentException(
          "secret must be " + SECRET_BYTES + " bytes, got " + (secret == null ? "null" : secret.length));
    }
    if (threshold < 1 || threshold > indices.length) {
      throw new IllegalArgumentException("threshold must be in [1, " + indices.length + "], got " + threshold);
    }
    checkIndices(indices);
    long[] pieces = toPieces(secret);
    long[][] values = new long[indices.length][PIECES];
    long[] coefficients = new long[threshold];
    for (int piece = 0; piece < PIECES; piece++) {
      coefficients[0] = pieces[piece];
      for (int c = 1; c < threshold; c++) {
        coefficients[c] = uniformFieldElement(random);
      }
      for (int s = 0; s < indices.length; s++) {
        values[s][piece] = evaluate(coefficients, indices[s]);
      }
    }
    java.util.Arrays.fill(coefficients, 0);
    List<ShamirShare> out = new ArrayList<>(indices.length);
    for (int s = 0; s < indices.length; s++) {
      out.add(new ShamirShare(indices[s], values[s]));
    }
    return out;
  }

  /**
   * Rebuilds the secret from the first {@code threshold} of {@code shares} by Lagrange interpolation at 0.
   *
   * <p>This is not an integrity check. Only the last piece (8 bits in a 31-bit field) constrains the
   * result, so shares of different secrets or altered shares are caught with probability about
   * 1 - 2^-23 only when the alteration reaches that piece; an altered value in any other piece
   * usually rebuilds a different secret without error. Callers check the result against what it
   * must match (a signed public key, a hash commitment), as the SecAgg+ engine does.
   *
   * @throws InvalidShareException if there are fewer than threshold shares, an index is duplicated or
   *     outside [1, 2^31 - 1], a value is outside the field or a share has the wrong number of pieces,
   *     or the interpolated pieces do not fit a 32-byte secret
   */
  public static byte[] reconstruct(List<ShamirShare> shares, int threshold) {
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be at least 1, got " + threshold);
    }
    if (shares.size() < threshold) {
      throw new InvalidShareException("need " + threshold + " shares to reconstruct, got " + shares.size());
    }
    List<ShamirShare> used = shares.subList(0, threshold);
    int[] xs = new int[threshold];
    for (int i = 0; i < threshold; i++) {
      ShamirShare share = used.get(i);
      xs[i] = share.index();
      if (share.pieces() != PIECES) {
        throw new InvalidShareException("share " + share.index() + " has " + share.pieces() + " pieces, expected " + PIECES);
      }
      for (int p = 0; p < PIECES; p++) {
        if (share.value(p) < 0 || share.value(p) >= PrimeField.P) {
          throw new InvalidShareException("share " + share.index() + " has a value outside the field");
        }
      }
    }
    try {
      checkIndices(xs);
    } catch (IllegalArgumentException e) {
      throw new InvalidShareException(e.getMessage(), e);
    }
    long[] lagrange = lagrangeAt(xs, 0);
    long[] pieces = new long[PIECES];
    for (int p = 0; p < PIECES; p++) {
      long acc = 0;
      for (int i = 0; i < threshold; i++) {
        acc = PrimeField.add(acc, PrimeField.mul(lagrange[i], used.get(i).value(p)));
      }
      pieces[p] = acc;
    }
    return fromPieces(pieces);
  }

  /**
   * Whether {@code candidate} lies on the polynomials that the {@code threshold} shares of
   * {@code basis} define: evaluates their interpolation at the candidate's index, piece by piece. With
   * a basis known to be good (its secret matches a commitment), this tells which other shares were
   * altered.
   *
   * @throws InvalidShareException if the basis itself is unusable (see {@link #reconstruct})
   */
  public static boolean consistent(List<ShamirShare> basis, int threshold, ShamirShare candidate) {
    reconstruct(basis, threshold); // validates the basis
    List<ShamirShare> used = basis.subList(0, threshold);
    if (candidate.pieces() != PIECES || candidate.index() < 1) {
      return false;
    }
    int[] xs = used.stream().mapToInt(ShamirShare::index).toArray();
    long[] lagrange = lagrangeAt(xs, candidate.index());
    for (int p = 0; p < PIECES; p++) {
      long acc = 0;
      for (int i = 0; i < threshold; i++) {
        acc = PrimeField.add(acc, PrimeField.mul(lagrange[i], used.get(i).value(p)));
      }
      if (acc != candidate.value(p)) {
        return false;
      }
    }
    return true;
  }

  private static void checkIndices(int[] indices) {
    Set<Integer> seen = new HashSet<>();
    for (int x : indices) {
      if (x < 1 || x > MAX_INDEX) {
        throw new IllegalArgumentException("share index " + x + " is outside [1, " + MAX_INDEX + "]");
      }
      if (!seen.add(x)) {
        throw new IllegalArgumentException("share index " + x + " appears twice");
      }
    }
  }

  /**
   * The Lagrange coefficients at {@code x} for the points {@code xs}:
   * L_i(x) = prod_{j != i} (x - x_j) / (x_i - x_j). At 0 they rebuild the secret; at another index,
   * the share that index must hold. The same coefficients serve every piece.
   */
  private static long[] lagrangeAt(int[] xs, long x) {
    long[] out = new long[xs.length];
    for (int i = 0; i < xs.length; i++) {
      long num = 1;
      long den = 1;
      for (int j = 0; j < xs.length; j++) {
        if (j != i) {
          num = PrimeField.mul(num, PrimeField.sub(x % PrimeField.P, xs[j]));
          den = PrimeField.mul(den, PrimeField.sub(xs[i], xs[j]));
        }
      }
      out[i] = PrimeField.mul(num, PrimeField.inverse(den));
    }
    return out;
  }

  private static long evaluate(long[] coefficients, long x) {
    long y = 0;
    for (int c = coefficients.length - 1; c >= 0; c--) {
      y = PrimeField.add(PrimeField.mul(y, x), coefficients[c]);
    }
    return y;
  }

  /** Uniform in [0, p) by rejection: p is just above 2^31, so take 32 random bits and retry above p. */
  private static long uniformFieldElement(SecureRandom random) {
    while (true) {
      long v = random.nextInt() & 0xFFFFFFFFL;
      if (v < PrimeField.P) {
        return v;
      }
    }
  }

  /** Bit i of the result is bit i of the secret read as a little-endian 256-bit integer. */
  static long[] toPieces(byte[] secret) {
    long[] pieces = new long[PIECES];
    for (int bit = 0; bit < SECRET_BYTES * 8; bit++) {
      if ((secret[bit >>> 3] >>> (bit & 7) & 1) != 0) {
        pieces[bit / PIECE_BITS] |= 1L << (bit % PIECE_BITS);
      }
    }
    return pieces;
  }

  static byte[] fromPieces(long[] pieces) {
    long lastLimit = 1L << (SECRET_BYTES * 8 - (PIECES - 1) * PIECE_BITS);
    for (int p = 0; p < PIECES; p++) {
      long limit = p == PIECES - 1 ? lastLimit : 1L << PIECE_BITS;
      if (pieces[p] >= limit) {
        throw new InvalidShareException(
            "reconstructed piece " + p + " does not fit in its bits: the shares are of different secrets or were altered");
      }
    }
    byte[] secret = new byte[SECRET_BYTES];
    for (int bit = 0; bit < SECRET_BYTES * 8; bit++) {
      if ((pieces[bit / PIECE_BITS] >>> (bit % PIECE_BITS) & 1) != 0) {
        secret[bit >>> 3] |= (byte) (1 << (bit & 7));
      }
    }
    return secret;
  }
}
