package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.bc.BcX509ExtensionUtils;

/**
 * A consortium certificate authority: a P-256 key and its self-signed certificate. It signs node
 * certificate requests after they pass {@link NodeCertificateRequest#parse}; it never sees a node's
 * private key. Whoever holds this key can admit identities (ARCHITECTURE.md: a Sybil risk).
 *
 * <p>Node certificates carry the request's SANs (the node-id URI, DNS names, IP addresses), are
 * valid for TLS server and client authentication, and cannot sign other certificates.
 */
public final class CertificateAuthority {
  private final SigningKey key;
  private final X509Certificate certificate;

  /**
   * @throws InvalidCertificateException unless {@code certificate} is a CA certificate for {@code key}
   */
  public CertificateAuthority(X509Certificate certificate, SigningKey key) {
    VerifyingKey certKey = VerifyingKey.fromSubjectPublicKeyInfo(certificate.getPublicKey().getEncoded());
    if (!certKey.equals(key.verifyingKey())) {
      throw new InvalidCertificateException("the CA key does not match the CA certificate");
    }
    if (certificate.getBasicConstraints() < 0) {
      throw new InvalidCertificateException("the CA certificate is not marked as a CA (basicConstraints)");
    }
    this.key = key;
    this.certificate = certificate;
  }

  /** Makes a new CA named {@code name} with a self-signed certificate valid from {@code notBefore} for {@code validity}. */
  public static CertificateAuthority create(
      String name, SigningKey key, Instant notBefore, Duration validity, SecureRandom random) {
    X500Name subject = new X500NameBuilder().addRDN(BCStyle.CN, name).build();
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(key.verifyingKey().subjectPublicKeyInfo());
    X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
        subject, serial(random), Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, spki);
    try {
      BcX509ExtensionUtils utils = new BcX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(spki));
    } catch (IOException e) {
      throw new IllegalStateException("encoding CA extensions cannot fail", e);
    }
    return new CertificateAuthority(toJdk(builder.build(new DeterministicEcdsaContentSigner(key))), key);
  }

  /**
   * Signs a checked node request: a certificate valid from {@code notBefore} for {@code validity}.
   *
   * @throws InvalidCertificateException if validity is not positive, or the certificate would be
   *     valid outside the CA's own validity (a node must not outlive the authority that vouches for it)
   */
  public X509Certificate issue(
      NodeCertificateRequest request, Instant notBefore, Duration validity, SecureRandom random) {
    if (validity.isNegative() || validity.isZero()) {
      throw new InvalidCertificateException("certificate validity must be positive, got " + validity);
    }
    Instant notAfter = notBefore.plus(validity);
    Instant caNotBefore = certificate.getNotBefore().toInstant();
    Instant caNotAfter = certificate.getNotAfter().toInstant();
    if (notBefore.isBefore(caNotBefore) || notAfter.isAfter(caNotAfter)) {
      throw new InvalidCertificateException("certificate validity " + notBefore + " to " + notAfter
          + " is outside the CA's own (" + caNotBefore + " to " + caNotAfter + ")");
    }
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(request.key().subjectPublicKeyInfo());
    X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
        issuerName(), serial(random), Date.from(notBefore), Date.from(notAfter),
        NodeCertificateRequest.subjectFor(request.nodeId()), spki);
    GeneralName[] names = new GeneralName[1 + request.dnsNames().size() + request.ipAddresses().size()];
    int i = 0;
    names[i++] = new GeneralName(GeneralName.uniformResourceIdentifier, request.nodeId().toUri());
    for (String dns : request.dnsNames()) {
      names[i++] = new GeneralName(GeneralName.dNSName, dns);
    }
    for (var ip : request.ipAddresses()) {
      names[i++] = new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress()));
    }
    try {
      BcX509ExtensionUtils utils = new BcX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(spki));
      builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(
          SubjectPublicKeyInfo.getInstance(key.verifyingKey().subjectPublicKeyInfo())));
    } catch (IOException e) {
      throw new IllegalStateException("encoding certificate extensions cannot fail", e);
    }
    return toJdk(builder.build(new DeterministicEcdsaContentSigner(key)));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A certificate revocation list naming {@code revoked} (serial number -> when it was revoked),
   * issued now and valid until {@code nextUpdate}; each list replaces the one before (CRL number =
   * {@code number}, which must grow).
   *
   * @throws InvalidCertificateException if nextUpdate is not after thisUpdate
   */
  public X509CRL revocationList(java.util.Map<BigInteger, Instant> revoked, BigInteger number, Instant thisUpdate,
      Instant nextUpdate) {
    if (!nextUpdate.isAfter(thisUpdate)) {
      throw new InvalidCertificateException("a revocation list's next update must follow its issue time");
    }
    X509v2CRLBuilder builder = new X509v2CRLBuilder(issuerName(), Date.from(thisUpdate));
    builder.setNextUpdate(Date.from(nextUpdate));
    revoked.forEach((serial, when) -> builder.addCRLEntry(serial, Date.from(when), CRLReason.unspecified));
    try {
      builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
      builder.addExtension(Extension.authorityKeyIdentifier, false, new BcX509ExtensionUtils().createAuthorityKeyIdentifier(
          SubjectPublicKeyInfo.getInstance(key.verifyingKey().subjectPublicKeyInfo())));
      return Pem.crlFromDer(builder.build(new DeterministicEcdsaContentSigner(key)).getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("encoding a revocation list cannot fail", e);
    }
  }

  private X500Name issuerName() {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  /** A positive 159-bit serial: unpredictable, as CA/Browser Forum practice asks, and under 20 bytes. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(159, random).setBit(158);
  }

  static X509Certificate toJdk(X509CertificateHolder holder) {
    try {
      return Pem.certificateFromDer(holder.getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("encoding a certificate cannot fail", e);
    }
  }

  /** DER of a certificate, with the checked exception the JDK declares turned into ours. */
  static byte[] der(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new InvalidCertificateException("certificate cannot be encoded", e);
    }
  }
}
