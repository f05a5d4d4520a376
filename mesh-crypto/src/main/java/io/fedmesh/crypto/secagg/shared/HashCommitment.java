package io.fedmesh.crypto.secagg.shared;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A client's hash commitment to 32 fresh random bytes, sent with its keys and opened later. The value
 * is uniformly random, so the hash hides it until it is opened; once opened, nobody can swap it. Each
 * kind hashes under its own domain, so one kind's opening never passes for another's.
 */
public enum HashCommitment {
  /** The self-mask seed: whoever rebuilds it from shares can tell whether a share was altered. */
  SELF_MASK_SEED("fedmesh secagg seed commitment v1"),
  /** The graph nonce: revealed once the directory is fixed, so nobody can choose the graph's seed. */
  GRAPH_NONCE("fedmesh secagg graph nonce v1");

  private final byte[] domain;

  HashCommitment(String domain) {
    this.domain = (domain + "\0").getBytes(StandardCharsets.US_ASCII);
  }

  public byte[] of(byte[] value) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(domain);
      return sha.digest(value);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public boolean matches(byte[] value, byte[] commitment) {
    return MessageDigest.isEqual(of(value), commitment);
  }
}
