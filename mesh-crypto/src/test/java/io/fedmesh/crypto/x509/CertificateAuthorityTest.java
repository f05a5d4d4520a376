package io.fedmesh.crypto.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
  private static final Instant NOW = Instant.parse("2026-11-24T00:00:00Z");
  private final SimulationRandom random = SimulationRandom.fromSeed(77);
  private final CertificateAuthority ca =
      CertificateAuthority.create("Example Consortium CA", SigningKey.generate(random), NOW, Duration.ofDays(3650), random);

  @Test
  void issuesANodeCertificateThatTheJdkVerifiesAndThatCarriesTheNodeId() throws Exception {
    SigningKey nodeKey = SigningKey.generate(random);
    NodeCertificateRequest request = NodeCertificateRequest.create(
        nodeKey, List.of("node-a.bank.example"), List.of(InetAddress.getByName("127.0.0.1")));

    X509Certificate cert = ca.issue(request, NOW, Duration.ofDays(365), random);

    cert.verify(ca.certificate().getPublicKey()); // the JDK's own ECDSA, independent of ours
    cert.checkValidity(java.util.Date.from(NOW.plusSeconds(60)));
    ca.certificate().verify(ca.certificate().getPublicKey());
    assertThat(NodeCertificates.verifiedNodeId(cert)).isEqualTo(nodeKey.verifyingKey().nodeId());
    // A peer recomputes the id from the key the JDK parsed out of the certificate: same bytes.
    assertThat(NodeId.ofSubjectPublicKeyInfo(cert.getPublicKey().getEncoded())).isEqualTo(nodeKey.verifyingKey().nodeId());
    assertThat(cert.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList()).containsExactlyInAnyOrder(
        nodeKey.verifyingKey().nodeId().toUri(), "node-a.bank.example", "127.0.0.1");
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(ca.certificate().getBasicConstraints()).isZero();
    NodeCertificates.verifyIssuedBy(cert, ca.certificate(), NOW.plusSeconds(1));
  }

  @Test
  void everyDocumentRoundTripsThroughPem() {
    SigningKey nodeKey = SigningKey.generate(random);
    NodeCertificateRequest request = NodeCertificateRequest.create(nodeKey, List.of(), List.of());
    X509Certificate cert = ca.issue(request, NOW, Duration.ofDays(1), random);

    assertThat(Pem.readPrivateKey(Pem.privateKey(nodeKey)).verifyingKey()).isEqualTo(nodeKey.verifyingKey());
    assertThat(Pem.readCertificate(Pem.certificate(cert))).isEqualTo(cert);
    assertThat(Pem.readCertificateRequest(Pem.certificateRequest(request)).nodeId()).isEqualTo(request.nodeId());
    assertThat(Pem.privateKey(nodeKey)).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void refusesARequestWhoseUriNamesAnotherKey() throws Exception {
    SigningKey signer = SigningKey.generate(random);
    NodeId someoneElse = SigningKey.generate(random).verifyingKey().nodeId();
    ExtensionsGenerator ext = new ExtensionsGenerator();
    ext.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, someoneElse.toUri())));
    byte[] forged = new PKCS10CertificationRequestBuilder(new X500Name("CN=forged"),
            SubjectPublicKeyInfo.getInstance(signer.verifyingKey().subjectPublicKeyInfo()))
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
        .build(new DeterministicEcdsaContentSigner(signer))
        .getEncoded();

    assertThatThrownBy(() -> NodeCertificateRequest.parse(forged))
        .isInstanceOf(InvalidCertificateException.class)
        .hasMessageContaining("claims node id " + someoneElse);
  }

  @Test
  void refusesATamperedRequest() {
    byte[] der = NodeCertificateRequest.create(SigningKey.generate(random), List.of("a.example"), List.of()).der();
    int at = new String(der, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("a.example");
    der[at] = 'b'; // rename the DNS SAN after signing

    assertThatThrownBy(() -> NodeCertificateRequest.parse(der))
        .isInstanceOf(InvalidCertificateException.class)
        .hasMessageContaining("not signed by the key it carries");
    assertThatThrownBy(() -> NodeCertificateRequest.parse(new byte[] {1, 2, 3}))
        .isInstanceOf(InvalidCertificateException.class)
        .hasMessageContaining("not a valid certificate signing request");
  }

  @Test
  void refusesCertificatesFromAnotherCaOrOutsideTheirValidity() {
    CertificateAuthority other = CertificateAuthority.create("Other", SigningKey.generate(random), NOW, Duration.ofDays(10), random);
    X509Certificate cert = other.issue(
        NodeCertificateRequest.create(SigningKey.generate(random), List.of(), List.of()), NOW, Duration.ofDays(1), random);

    assertThatThrownBy(() -> NodeCertificates.verifyIssuedBy(cert, ca.certificate(), NOW))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("issued by CN=Other, not by CN=Example Consortium CA");
    CertificateAuthority impostor = CertificateAuthority.create("Example Consortium CA", SigningKey.generate(random), NOW, Duration.ofDays(10), random);
    X509Certificate forged = impostor.issue(
        NodeCertificateRequest.create(SigningKey.generate(random), List.of(), List.of()), NOW, Duration.ofDays(1), random);
    assertThatThrownBy(() -> NodeCertificates.verifyIssuedBy(forged, ca.certificate(), NOW))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("not signed by CN=Example Consortium CA");
    assertThatThrownBy(() -> NodeCertificates.verifyIssuedBy(cert, other.certificate(), NOW.plus(Duration.ofDays(11))))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("CA certificate CN=Other is not valid at");
    assertThatThrownBy(() -> NodeCertificates.verifyIssuedBy(cert, cert, NOW))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("is not a CA allowed to sign certificates");
    assertThatThrownBy(() -> NodeCertificates.verifyIssuedBy(cert, other.certificate(), NOW.plus(Duration.ofDays(2))))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("not valid at");
    NodeCertificates.verifyIssuedBy(cert, other.certificate(), NOW);
  }

  @Test
  void refusesValiditiesThatAreEmptyOrOutliveTheCa() {
    NodeCertificateRequest request = NodeCertificateRequest.create(SigningKey.generate(random), List.of(), List.of());

    assertThatThrownBy(() -> ca.issue(request, NOW, Duration.ofDays(-1), random))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> ca.issue(request, NOW, Duration.ZERO, random))
        .isInstanceOf(InvalidCertificateException.class);
    assertThatThrownBy(() -> ca.issue(request, NOW, Duration.ofDays(3651), random))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("outside the CA's own");
    assertThatThrownBy(() -> ca.issue(request, NOW.minusSeconds(1), Duration.ofDays(1), random))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("outside the CA's own");
  }

  @Test
  void refusesDnsNamesThatAreNotHostNames() throws Exception {
    for (String bad : List.of("*", "*.bank.example", "", "a b.example", "-a.example", "a..example", "x".repeat(64) + ".example")) {
      assertThatThrownBy(() -> NodeCertificateRequest.create(SigningKey.generate(random), List.of(bad), List.of()))
          .as(bad).isInstanceOf(InvalidCertificateException.class).hasMessageContaining("is not a host name");
    }
    // A request made elsewhere with a wildcard is refused when the CA reads it, too.
    SigningKey signer = SigningKey.generate(random);
    ExtensionsGenerator ext = new ExtensionsGenerator();
    ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.uniformResourceIdentifier, signer.verifyingKey().nodeId().toUri()),
        new GeneralName(GeneralName.dNSName, "*.bank.example")}));
    byte[] wildcard = new PKCS10CertificationRequestBuilder(new X500Name("CN=w"),
            SubjectPublicKeyInfo.getInstance(signer.verifyingKey().subjectPublicKeyInfo()))
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
        .build(new DeterministicEcdsaContentSigner(signer)).getEncoded();
    assertThatThrownBy(() -> NodeCertificateRequest.parse(wildcard))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("is not a host name");
    assertThat(NodeCertificateRequest.create(signer, List.of("node-1.Bank.example", "localhost"), List.of()).dnsNames())
        .containsExactly("node-1.Bank.example", "localhost");
  }

  @Test
  void refusesARequestWhoseSanExtensionIsNotNames() throws Exception {
    SigningKey signer = SigningKey.generate(random);
    ExtensionsGenerator ext = new ExtensionsGenerator();
    ext.addExtension(Extension.subjectAlternativeName, false, new org.bouncycastle.asn1.ASN1Integer(5));
    byte[] odd = new PKCS10CertificationRequestBuilder(new X500Name("CN=odd"),
            SubjectPublicKeyInfo.getInstance(signer.verifyingKey().subjectPublicKeyInfo()))
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
        .build(new DeterministicEcdsaContentSigner(signer)).getEncoded();

    assertThatThrownBy(() -> NodeCertificateRequest.parse(odd))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("malformed extensions");
  }

  @Test
  void refusesMismatchedOrMalformedMaterial() {
    assertThatThrownBy(() -> new CertificateAuthority(ca.certificate(), SigningKey.generate(random)))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("does not match");
    X509Certificate node = ca.issue(
        NodeCertificateRequest.create(SigningKey.generate(random), List.of(), List.of()), NOW, Duration.ofDays(1), random);
    assertThatThrownBy(() -> NodeCertificates.verifiedNodeId(ca.certificate()))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("no subject alternative names");
    assertThatThrownBy(() -> Pem.readCertificate(Pem.privateKey(SigningKey.generate(random))))
        .isInstanceOf(InvalidCertificateException.class).hasMessage("PEM block is \"PRIVATE KEY\", expected \"CERTIFICATE\"");
    assertThatThrownBy(() -> Pem.readPrivateKey("garbage"))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessageContaining("no PEM block");
    assertThatThrownBy(() -> Pem.readCertificate(Pem.encode(Pem.CERTIFICATE, new byte[] {1, 2})))
        .isInstanceOf(InvalidCertificateException.class).hasMessageContaining("not a valid X.509 certificate");
    assertThatThrownBy(() -> NodeCertificateRequest.ipLiteral("localhost"))
        .isInstanceOf(InvalidKeyMaterialException.class).hasMessage("not an IP address literal: localhost");
    assertThat(NodeCertificates.verifiedNodeId(node)).isNotNull();
  }
}
