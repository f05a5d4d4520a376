package io.fedmesh.crypto.signature;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * An ECDSA P-256 private key: a node's identity key, or the CA's.
 *
 * <p>Signatures use SHA-256 and RFC 6979 deterministic nonces (no randomness at signing time, so a
 * weak generator can never leak the key through a repeated nonce). A signature is 64 bytes, r || s,
 * each 32 bytes big-endian. Signing is thread-safe: each call uses its own signer.
 */
public final class SigningKey {
  private final ECPrivateKeyParameters privateKey;
  private final VerifyingKey verifyingKey;

  private SigningKey(BigInteger d) {
    this.privateKey = new ECPrivateKeyParameters(d, P256.DOMAIN);
    this.verifyingKey = new VerifyingKey(
        new ECPublicKeyParameters(new FixedPointCombMultiplier().multiply(P256.DOMAIN.getG(), d).normalize(), P256.DOMAIN));
  }

  /** A new key from {@code random} (a DRBG in production). */
  public static SigningKey generate(SecureRandom random) {
    ECKeyPairGenerator generator = new ECKeyPairGenerator();
    generator.init(new ECKeyGenerationParameters(P256.DOMAIN, random));
    AsymmetricCipherKeyPair pair = generator.generateKeyPair();
    return new SigningKey(((ECPrivateKeyParameters) pair.getPrivate()).getD());
  }

  /**
   * The key with private scalar {@code d}.
   *
   * @throws InvalidKeyMaterialException unless 1 <= d < n
   */
  public static SigningKey fromScalar(BigInteger d) {
    if (d.signum() <= 0 || d.compareTo(P256.DOMAIN.getN()) >= 0) {
      throw new InvalidKeyMaterialException("P-256 private scalar must be in [1, n-1]");
    }
    return new SigningKey(d);
  }

  /**
   * Reads a DER-encoded PKCS#8 PrivateKeyInfo holding a P-256 key.
   *
   * @throws InvalidKeyMaterialException if it is not well-formed DER, not an EC key, or not on P-256
   */
  public static SigningKey fromPkcs8(byte[] der) {
    AsymmetricKeyParameter key;
    try {
      key = PrivateKeyFactory.createKey(der);
    } catch (IOException | RuntimeException e) {
      throw new InvalidKeyMaterialException("not a PKCS#8 private key: " + e.getMessage(), e);
    }
    if (!(key instanceof ECPrivateKeyParameters ec) || !P256.isP256(ec.getParameters())) {
      throw new InvalidKeyMaterialException("PKCS#8 key is not an EC P-256 key");
    }
    return fromScalar(ec.getD());
  }

  /** DER-encoded PKCS#8 PrivateKeyInfo (named curve P-256). Store it with owner-only permissions. */
  public byte[] toPkcs8() {
    try {
      return PrivateKeyInfoFactory.createPrivateKeyInfo(privateKey).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("encoding a P-256 key cannot fail", e);
    }
  }

  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  /** Signs SHA-256({@code message}); returns r || s, 64 bytes. */
  public byte[] sign(byte[] message) {
    SHA256Digest digest = new SHA256Digest();
    digest.update(message, 0, message.length);
    byte[] hash = new byte[digest.getDigestSize()];
    digest.doFinal(hash, 0);

    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, privateKey);
    BigInteger[] rs = signer.generateSignature(hash);
    byte[] out = new byte[2 * P256.FIELD_BYTES];
    BigIntegers.asUnsignedByteArray(rs[0], out, 0, P256.FIELD_BYTES);
    BigIntegers.asUnsignedByteArray(rs[1], out, P256.FIELD_BYTES, P256.FIELD_BYTES);
    return out;
  }

  @Override
  public String toString() {
    return "SigningKey[" + verifyingKey.nodeId() + "]";
  }
}
