package io.fedmesh.crypto.signature;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.identity.NodeId;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

/**
 * An ECDSA P-256 public key. Its DER SubjectPublicKeyInfo (named curve, uncompressed point) is what
 * a node id hashes and what a certificate carries.
 */
public final class VerifyingKey {
  private final ECPublicKeyParameters publicKey;
  private final byte[] subjectPublicKeyInfo;

  VerifyingKey(ECPublicKeyParameters publicKey) {
    this.publicKey = publicKey;
    try {
      this.subjectPublicKeyInfo = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(
          new ECPublicKeyParameters(publicKey.getQ(), P256.DOMAIN)).getEncoded("DER");
    } catch (IOException e) {
      throw new IllegalStateException("encoding a P-256 public key cannot fail", e);
    }
  }

  /**
   * Reads a DER SubjectPublicKeyInfo holding a P-256 key.
   *
   * @throws InvalidKeyMaterialException if it is malformed, not EC, not P-256, or its point is not on the curve
   */
  public static VerifyingKey fromSubjectPublicKeyInfo(byte[] der) {
    AsymmetricKeyParameter key;
    try {
      key = PublicKeyFactory.createKey(der);
    } catch (IOException | RuntimeException e) {
      // Bouncy Castle validates the point while decoding and throws IllegalArgumentException if it is off the curve.
      throw new InvalidKeyMaterialException("not a valid SubjectPublicKeyInfo: " + e.getMessage(), e);
    }
    if (!(key instanceof ECPublicKeyParameters ec) || !P256.isP256(ec.getParameters())) {
      throw new InvalidKeyMaterialException("public key is not an EC P-256 key");
    }
    return new VerifyingKey(new ECPublicKeyParameters(P256.onCurve(ec.getQ()), P256.DOMAIN));
  }

  /** The key whose uncompressed point is (x, y); checks that the point is on P-256. */
  public static VerifyingKey fromAffine(BigInteger x, BigInteger y) {
    try {
      return new VerifyingKey(new ECPublicKeyParameters(
          P256.DOMAIN.getCurve().validatePoint(x, y), P256.DOMAIN));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyMaterialException("point is not on P-256", e);
    }
  }

  /** DER SubjectPublicKeyInfo; a copy. */
  public byte[] subjectPublicKeyInfo() {
    return subjectPublicKeyInfo.clone();
  }

  /** The node id of whoever holds the matching private key: SHA-256 of {@link #subjectPublicKeyInfo()}. */
  public NodeId nodeId() {
    return NodeId.ofSubjectPublicKeyInfo(subjectPublicKeyInfo);
  }

  /**
   * True if {@code signature} (r || s, 64 bytes) is a valid signature of SHA-256({@code message}).
   * A signature of any other length, or with r or s outside [1, n-1], is simply invalid: false.
   */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != 2 * P256.FIELD_BYTES) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, P256.FIELD_BYTES));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, P256.FIELD_BYTES, 2 * P256.FIELD_BYTES));
    SHA256Digest digest = new SHA256Digest();
    digest.update(message, 0, message.length);
    byte[] hash = new byte[digest.getDigestSize()];
    digest.doFinal(hash, 0);
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, publicKey);
    // ECDSASigner rejects r or s outside [1, n-1] itself (FIPS 186-4 6.4.2 step 1).
    return verifier.verifySignature(hash, r, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey other && Arrays.equals(subjectPublicKeyInfo, other.subjectPublicKeyInfo);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(subjectPublicKeyInfo);
  }

  @Override
  public String toString() {
    return "VerifyingKey[" + nodeId() + "]";
  }
}
