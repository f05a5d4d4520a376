package io.fedmesh.crypto.secagg.shared;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A client's hash commitment to its self-mask seed, sent with its keys before any share exists. The
 * seed is 32 fresh random bytes, so the hash hides it; whoever rebuilds the seed from shares can tell
 * whether a share was altered.
 */
public final class SeedCommitment {
  private static final byte[] DOMAIN = "fedmesh secagg seed commitment v1\0".getBytes(StandardCharsets.US_ASCII);

  private SeedCommitment() {}

  public static byte[] of(byte[] seed) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(DOMAIN);
      return sha.digest(seed);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public static boolean matches(byte[] seed, byte[] commitment) {
    return MessageDigest.isEqual(of(seed), commitment);
  }
}
