package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;

/** Checks on node certificates that every peer makes, whatever TLS stack carried them. */
public final class NodeCertificates {
  private NodeCertificates() {}

  /**
   * The node id of a certificate's key, after checking that its one URI SAN names that same id. A
   * certificate whose SAN names another key's id is refused: identity always comes from the key.
   *
   * @throws InvalidCertificateException if the key is not P-256, or the URI SAN is missing, repeated or different
   */
  public static NodeId verifiedNodeId(X509Certificate certificate) {
    // Through VerifyingKey (P-256 only, re-encoded), so the id is computed exactly as envelopes compute it.
    NodeId fromKey = VerifyingKey.fromSubjectPublicKeyInfo(certificate.getPublicKey().getEncoded()).nodeId();
    GeneralNames sans;
    try {
      X509CertificateHolder holder = new X509CertificateHolder(CertificateAuthority.der(certificate));
      sans = GeneralNames.fromExtensions(holder.getExtensions(), Extension.subjectAlternativeName);
    } catch (IOException | RuntimeException e) {
      throw new InvalidCertificateException("certificate cannot be parsed: " + e.getMessage(), e);
    }
    if (sans == null) {
      throw new InvalidCertificateException("certificate has no subject alternative names");
    }
    NodeId claimed = SubjectAlternativeNames.of(sans).singleNodeId("certificate");
    if (!claimed.equals(fromKey)) {
      throw new InvalidCertificateException(
          "certificate URI SAN names node " + claimed + " but its key is node " + fromKey);
    }
    return fromKey;
  }

  /**
   * Checks a node certificate against the consortium CA (the pinned trust anchor): the issuer is a CA
   * allowed to sign certificates and valid at {@code now}; the certificate names it as issuer, is
   * signed by its key, is valid at {@code now}, and is not itself a CA.
   *
   * @throws InvalidCertificateException naming which check failed
   */
  public static void verifyIssuedBy(X509Certificate certificate, X509Certificate issuer, Instant now) {
    VerifyingKey issuerKey = VerifyingKey.fromSubjectPublicKeyInfo(issuer.getPublicKey().getEncoded());
    boolean[] issuerUsage = issuer.getKeyUsage();
    if (issuer.getBasicConstraints() < 0 || issuerUsage == null || issuerUsage.length < 6 || !issuerUsage[5]) {
      throw new InvalidCertificateException(issuer.getSubjectX500Principal() + " is not a CA allowed to sign certificates");
    }
    if (now.isBefore(issuer.getNotBefore().toInstant()) || now.isAfter(issuer.getNotAfter().toInstant())) {
      throw new InvalidCertificateException("the CA certificate " + issuer.getSubjectX500Principal() + " is not valid at " + now);
    }
    if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new InvalidCertificateException("certificate is issued by " + certificate.getIssuerX500Principal()
          + ", not by " + issuer.getSubjectX500Principal());
    }
    if (certificate.getBasicConstraints() >= 0) {
      throw new InvalidCertificateException("a node certificate must not be a CA certificate");
    }
    try {
      X509CertificateHolder holder = new X509CertificateHolder(CertificateAuthority.der(certificate));
      byte[] tbs = holder.toASN1Structure().getTBSCertificate().getEncoded(ASN1Encoding.DER);
      if (!DerSignatures.verify(issuerKey, holder.getSignatureAlgorithm(), tbs, holder.getSignature())) {
        throw new InvalidCertificateException("certificate is not signed by " + issuer.getSubjectX500Principal());
      }
      if (!holder.isValidOn(Date.from(now))) {
        throw new InvalidCertificateException(
            "certificate is not valid at " + now + " (valid " + holder.getNotBefore().toInstant() + " to "
                + holder.getNotAfter().toInstant() + ")");
      }
    } catch (IOException e) {
      throw new InvalidCertificateException("certificate cannot be parsed: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code crl} is the CA's (issued by it and signed by its key) and does not list
   * {@code certificate}.
   *
   * @throws InvalidCertificateException if the list is not the CA's, or names the certificate's serial
   */
  public static void checkNotRevoked(X509Certificate certificate, java.security.cert.X509CRL crl, X509Certificate issuer) {
    verifyRevocationList(crl, issuer);
    if (crl.isRevoked(certificate)) {
      throw new InvalidCertificateException("certificate " + certificate.getSerialNumber().toString(16) + " is revoked");
    }
  }

  /**
   * Checks that {@code crl} is the CA's: issued by it and signed by its key.
   *
   * @throws InvalidCertificateException if it is not
   */
  public static void verifyRevocationList(java.security.cert.X509CRL crl, X509Certificate issuer) {
    if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new InvalidCertificateException("the revocation list is issued by " + crl.getIssuerX500Principal()
          + ", not by the CA " + issuer.getSubjectX500Principal());
    }
    VerifyingKey issuerKey = VerifyingKey.fromSubjectPublicKeyInfo(issuer.getPublicKey().getEncoded());
    try {
      org.bouncycastle.cert.X509CRLHolder holder = new org.bouncycastle.cert.X509CRLHolder(crl.getEncoded());
      byte[] tbs = holder.toASN1Structure().getTBSCertList().getEncoded(ASN1Encoding.DER);
      if (!DerSignatures.verify(issuerKey, holder.toASN1Structure().getSignatureAlgorithm(), tbs,
          holder.toASN1Structure().getSignature().getOctets())) {
        throw new InvalidCertificateException("the revocation list is not signed by the CA " + issuer.getSubjectX500Principal());
      }
    } catch (IOException | java.security.cert.CRLException e) {
      throw new InvalidCertificateException("the revocation list cannot be parsed: " + e.getMessage(), e);
    }
  }

  /** The CRL number of a list (0 if it has none): lists replace each other in increasing order. */
  public static java.math.BigInteger revocationListNumber(java.security.cert.X509CRL crl) {
    byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
    if (ext == null) {
      return java.math.BigInteger.ZERO;
    }
    return org.bouncycastle.asn1.ASN1Integer.getInstance(
        org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets()).getValue();
  }
}
