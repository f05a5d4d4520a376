package io.fedmesh.crypto.signature;

import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;

/** The NIST P-256 curve (secp256r1), named so key encodings carry its OID rather than explicit parameters. */
final class P256 {
  static final X9ECParameters CURVE = ECNamedCurveTable.getByName("P-256");
  static final ECNamedDomainParameters DOMAIN = new ECNamedDomainParameters(SECObjectIdentifiers.secp256r1, CURVE);
  static final int FIELD_BYTES = 32;

  private P256() {}

  static boolean isP256(ECDomainParameters params) {
    return params.getCurve().equals(DOMAIN.getCurve()) && params.getG().equals(DOMAIN.getG())
        && params.getN().equals(DOMAIN.getN());
  }
}
