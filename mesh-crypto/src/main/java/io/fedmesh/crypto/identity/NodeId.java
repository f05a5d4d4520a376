package io.fedmesh.crypto.identity;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A node's identity: SHA-256 of the DER SubjectPublicKeyInfo of its P-256 identity key
 * (ARCHITECTURE.md, "Identity and trust"). Shown as 64 lowercase hex digits; carried in certificates as
 * the URI SAN {@code urn:fedmesh:node:<hex>}, and always recomputed from the key a peer actually presents.
 */
public final class NodeId implements Comparable<NodeId> {
  /** The URI SAN prefix that marks a node id in a certificate. */
  public static final String URI_PREFIX = "urn:fedmesh:node:";
  public static final int BYTES = 32;

  private static final HexFormat HEX = HexFormat.of();
  private final byte[] sha256;

  private NodeId(byte[] sha256) {
    this.sha256 = sha256;
  }

  /** The id of the key whose DER SubjectPublicKeyInfo is {@code spki}. */
  public static NodeId ofSubjectPublicKeyInfo(byte[] spki) {
    try {
      return new NodeId(MessageDigest.getInstance("SHA-256").digest(spki));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The id with these 32 bytes (as carried in the wire's NodeId message). */
  public static NodeId ofBytes(byte[] sha256) {
    if (sha256 == null || sha256.length != BYTES) {
      throw new InvalidKeyMaterialException(
          "node id must be " + BYTES + " bytes, got " + (sha256 == null ? "null" : sha256.length));
    }
    return new NodeId(sha256.clone());
  }

  /** Parses 64 hex digits (either case). */
  public static NodeId ofHex(String hex) {
    if (hex == null || hex.length() != 2 * BYTES) {
      throw new InvalidKeyMaterialException("node id must be " + 2 * BYTES + " hex digits, got " + (hex == null ? "null" : "\"" + hex + "\""));
    }
    try {
      return new NodeId(HEX.parseHex(hex.toLowerCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyMaterialException("node id is not hex: \"" + hex + "\"", e);
    }
  }

  /** Parses the URI SAN form {@code urn:fedmesh:node:<64 hex digits>}. */
  public static NodeId ofUri(String uri) {
    if (uri == null || !uri.startsWith(URI_PREFIX)) {
      throw new InvalidKeyMaterialException("not a FedMesh node URI (" + URI_PREFIX + "...): " + uri);
    }
    return ofHex(uri.substring(URI_PREFIX.length()));
  }

  public byte[] toBytes() {
    return sha256.clone();
  }

  public String hex() {
    return HEX.formatHex(sha256);
  }

  public String toUri() {
    return URI_PREFIX + hex();
  }

  /** The first 12 hex digits: enough to tell nodes apart in logs and on screens, never for checks. */
  public String shortForm() {
    return hex().substring(0, 12);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId other && MessageDigest.isEqual(sha256, other.sha256);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sha256);
  }

  @Override
  public int compareTo(NodeId o) {
    return Arrays.compareUnsigned(sha256, o.sha256);
  }

  @Override
  public String toString() {
    return hex();
  }
}
