package io.fedmesh.crypto.secagg.shared;

import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The plaintext of one EncryptedShares: the holder's share of the owner's self-mask seed and of its
 * mask secret key, each {@value ShamirSecretSharing#PIECES} field elements as 4-byte big-endian words,
 * then the two {@value #SALT_BYTES}-byte salts that open the dealer's commitments to them
 * ({@link ShareCommitments}). A share's index is the holder's client index + 1 (never 0, which is the secret).
 */
public record ShareBundle(ShamirShare selfMaskSeed, ShamirShare maskKey, byte[] seedSalt, byte[] keySalt) {
  public static final int SALT_BYTES = 16;
  public static final int BYTES = 2 * ShamirSecretSharing.PIECES * 4 + 2 * SALT_BYTES;

  public ShareBundle {
    seedSalt = seedSalt.clone();
    keySalt = keySalt.clone();
  }

  public static int shareIndex(int holder) {
    return holder + 1;
  }

  @Override
  public byte[] seedSalt() {
    return seedSalt.clone();
  }

  @Override
  public byte[] keySalt() {
    return keySalt.clone();
  }

  public byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(BYTES);
    for (long v : selfMaskSeed.values()) {
      out.putInt((int) v);
    }
    for (long v : maskKey.values()) {
      out.putInt((int) v);
    }
    out.put(seedSalt).put(keySalt);
    return out.array();
  }

  /**
   * The bundle a plaintext holds, or null if it cannot be one: the wrong length, or a value outside
   * the field (a share value must be below the prime; one that is not was dealt wrong on purpose).
   */
  public static ShareBundle decode(byte[] plaintext, int holder) {
    if (plaintext.length != BYTES) {
      return null;
    }
    ByteBuffer in = ByteBuffer.wrap(plaintext);
    long[] seed = new long[ShamirSecretSharing.PIECES];
    long[] key = new long[ShamirSecretSharing.PIECES];
    for (int i = 0; i < seed.length; i++) {
      seed[i] = in.getInt() & 0xFFFFFFFFL;
    }
    for (int i = 0; i < key.length; i++) {
      key[i] = in.getInt() & 0xFFFFFFFFL;
    }
    if (!inField(seed) || !inField(key)) {
      return null;
    }
    byte[] seedSalt = new byte[SALT_BYTES];
    byte[] keySalt = new byte[SALT_BYTES];
    in.get(seedSalt).get(keySalt);
    return new ShareBundle(new ShamirShare(shareIndex(holder), seed), new ShamirShare(shareIndex(holder), key), seedSalt, keySalt);
  }

  /** Whether every value is a field element (below the prime). */
  public static boolean inField(long[] values) {
    return Arrays.stream(values).allMatch(v -> v >= 0 && v < ShamirSecretSharing.PRIME);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShareBundle b && selfMaskSeed.equals(b.selfMaskSeed) && maskKey.equals(b.maskKey)
        && Arrays.equals(seedSalt, b.seedSalt) && Arrays.equals(keySalt, b.keySalt);
  }

  @Override
  public int hashCode() {
    return 31 * selfMaskSeed.hashCode() + maskKey.hashCode();
  }

  @Override
  public String toString() {
    return "ShareBundle[holder index " + selfMaskSeed.index() + "]";
  }
}
