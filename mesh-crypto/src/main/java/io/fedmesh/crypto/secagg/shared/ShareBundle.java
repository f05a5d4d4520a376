package io.fedmesh.crypto.secagg.shared;

import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import java.nio.ByteBuffer;

/**
 * The plaintext of one EncryptedShares: the holder's share of the owner's self-mask seed and of its
 * mask secret key, each {@value ShamirSecretSharing#PIECES} field elements as 4-byte big-endian words.
 * A share's index is the holder's client index + 1 (never 0, which is the secret).
 */
public record ShareBundle(ShamirShare selfMaskSeed, ShamirShare maskKey) {
  public static final int BYTES = 2 * ShamirSecretSharing.PIECES * 4;

  public static int shareIndex(int holder) {
    return holder + 1;
  }

  public byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(BYTES);
    for (long v : selfMaskSeed.values()) {
      out.putInt((int) v);
    }
    for (long v : maskKey.values()) {
      out.putInt((int) v);
    }
    return out.array();
  }

  /** @return null if the plaintext has the wrong length */
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
    return new ShareBundle(new ShamirShare(shareIndex(holder), seed), new ShamirShare(shareIndex(holder), key));
  }
}
