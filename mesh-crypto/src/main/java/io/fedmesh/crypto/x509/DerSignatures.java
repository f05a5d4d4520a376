package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.signature.VerifyingKey;
import java.math.BigInteger;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.util.BigIntegers;

/** Verification of DER-encoded ECDSA-with-SHA256 signatures found in certificates and requests. */
final class DerSignatures {
  private DerSignatures() {}

  static boolean verify(VerifyingKey key, AlgorithmIdentifier algorithm, byte[] signed, byte[] derSignature) {
    if (!DeterministicEcdsaContentSigner.ECDSA_WITH_SHA256.equals(algorithm)) {
      throw new InvalidCertificateException(
          "signature algorithm " + algorithm.getAlgorithm() + " is not ecdsa-with-SHA256");
    }
    BigInteger r;
    BigInteger s;
    try {
      ASN1Sequence seq = ASN1Sequence.getInstance(derSignature);
      if (seq.size() != 2) {
        return false;
      }
      r = ASN1Integer.getInstance(seq.getObjectAt(0)).getPositiveValue();
      s = ASN1Integer.getInstance(seq.getObjectAt(1)).getPositiveValue();
    } catch (RuntimeException malformed) {
      return false;
    }
    if (r.bitLength() > 256 || s.bitLength() > 256) {
      return false;
    }
    byte[] rs = new byte[64];
    BigIntegers.asUnsignedByteArray(r, rs, 0, 32);
    BigIntegers.asUnsignedByteArray(s, rs, 32, 32);
    return key.verify(signed, rs);
  }
}
