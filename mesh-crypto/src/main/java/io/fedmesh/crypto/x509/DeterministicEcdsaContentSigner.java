package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.signature.SigningKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentSigner;

/**
 * Signs certificates and requests with {@link SigningKey}, so they too use RFC 6979 nonces: the JCA's
 * ECDSA draws a random nonce, and one weak draw would reveal the CA's key.
 */
final class DeterministicEcdsaContentSigner implements ContentSigner {
  static final AlgorithmIdentifier ECDSA_WITH_SHA256 = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);

  private final SigningKey key;
  private final ByteArrayOutputStream toBeSigned = new ByteArrayOutputStream();

  DeterministicEcdsaContentSigner(SigningKey key) {
    this.key = key;
  }

  @Override
  public AlgorithmIdentifier getAlgorithmIdentifier() {
    return ECDSA_WITH_SHA256;
  }

  @Override
  public OutputStream getOutputStream() {
    return toBeSigned;
  }

  @Override
  public byte[] getSignature() {
    byte[] rs = key.sign(toBeSigned.toByteArray());
    try {
      // X.509 carries ECDSA signatures as DER SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 2.2.3).
      return new DERSequence(new ASN1Integer[] {
          new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 0, 32))),
          new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 32, 64)))}).getEncoded("DER");
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding of two integers cannot fail", e);
    }
  }
}
