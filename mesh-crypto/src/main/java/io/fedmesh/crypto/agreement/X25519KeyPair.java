package io.fedmesh.crypto.agreement;

import java.util.Arrays;

/**
 * An X25519 key pair: 32-byte private scalar and 32-byte public u-coordinate, both as RFC 7748 encodes
 * them. Arrays are copied in and out, so a holder cannot change a pair behind another's back.
 */
public final class X25519KeyPair {
  private final byte[] privateKey;
  private final byte[] publicKey;

  X25519KeyPair(byte[] privateKey, byte[] publicKey) {
    this.privateKey = privateKey.clone();
    this.publicKey = publicKey.clone();
  }

  /** A copy of the private key: keep it inside the participant that made it. */
  public byte[] privateKey() {
    return privateKey.clone();
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** Overwrites the private key with zeros; {@link X25519} refuses an all-zero private key, so later agreements fail. */
  public void destroy() {
    Arrays.fill(privateKey, (byte) 0);
  }

  @Override
  public String toString() {
    return "X25519KeyPair[public=" + java.util.HexFormat.of().formatHex(publicKey) + "]";
  }
}
