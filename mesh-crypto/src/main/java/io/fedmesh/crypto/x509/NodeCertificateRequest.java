package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;

/**
 * A node's certificate signing request (PKCS#10), checked: it is signed by the key it carries (proof
 * of possession), and its one URI SAN is the node id of that key. Also names the DNS and IP SANs the
 * node will be dialled by. Immutable.
 */
public final class NodeCertificateRequest {
  private final byte[] der;
  private final VerifyingKey key;
  private final NodeId nodeId;
  private final List<String> dnsNames;
  private final List<InetAddress> ipAddresses;

  private NodeCertificateRequest(byte[] der, VerifyingKey key, List<String> dnsNames, List<InetAddress> ipAddresses) {
    this.der = der;
    this.key = key;
    this.nodeId = key.nodeId();
    this.dnsNames = List.copyOf(dnsNames);
    this.ipAddresses = List.copyOf(ipAddresses);
  }

  /** Host names (RFC 1123 labels, dot-separated, at most 253 characters); no wildcards. */
  private static final Pattern DNS_NAME = Pattern.compile(
      "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  /**
   * Makes and signs a request for {@code key}, with the node-id URI SAN and the given names.
   *
   * @throws InvalidCertificateException if a DNS name is not a plain host name (wildcards included)
   */
  public static NodeCertificateRequest create(SigningKey key, List<String> dnsNames, List<InetAddress> ipAddresses) {
    dnsNames.forEach(NodeCertificateRequest::checkDnsName);
    VerifyingKey publicKey = key.verifyingKey();
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, publicKey.nodeId().toUri()));
    for (String dns : dnsNames) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (InetAddress ip : ipAddresses) {
      names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress())));
    }
    try {
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      PKCS10CertificationRequest csr = new PKCS10CertificationRequestBuilder(
          subjectFor(publicKey.nodeId()), SubjectPublicKeyInfo.getInstance(publicKey.subjectPublicKeyInfo()))
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
          .build(new DeterministicEcdsaContentSigner(key));
      return parse(csr.getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("encoding a certificate request cannot fail", e);
    }
  }

  /**
   * Reads and checks a DER request.
   *
   * @throws InvalidCertificateException if it is malformed, its signature does not verify with its
   *     own key, its key is not P-256, or it lacks exactly one URI SAN equal to its key's node id
   */
  public static NodeCertificateRequest parse(byte[] der) {
    PKCS10CertificationRequest csr;
    VerifyingKey key;
    try {
      csr = new PKCS10CertificationRequest(der);
      key = VerifyingKey.fromSubjectPublicKeyInfo(csr.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER));
    } catch (IOException | RuntimeException e) {
      throw new InvalidCertificateException("not a valid certificate signing request: " + e.getMessage(), e);
    }
    byte[] info;
    try {
      info = csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new InvalidCertificateException("certificate signing request info cannot be encoded", e);
    }
    if (!DerSignatures.verify(key, csr.getSignatureAlgorithm(), info, csr.getSignature())) {
      throw new InvalidCertificateException("certificate signing request is not signed by the key it carries");
    }
    SubjectAlternativeNames names;
    try {
      Extensions extensions = csr.getRequestedExtensions();
      GeneralNames sans = extensions == null ? null : GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
      if (sans == null) {
        throw new InvalidCertificateException("certificate signing request has no subject alternative names");
      }
      names = SubjectAlternativeNames.of(sans);
    } catch (RuntimeException e) {
      throw e instanceof InvalidCertificateException ice ? ice
          : new InvalidCertificateException("certificate signing request has malformed extensions: " + e.getMessage(), e);
    }
    names.dnsNames().forEach(NodeCertificateRequest::checkDnsName);
    NodeId claimed = names.singleNodeId("certificate signing request");
    if (!claimed.equals(key.nodeId())) {
      throw new InvalidCertificateException(
          "certificate signing request claims node id " + claimed + " but its key's node id is " + key.nodeId());
    }
    return new NodeCertificateRequest(der.clone(), key, names.dnsNames(), names.ipAddresses());
  }

  private static void checkDnsName(String name) {
    if (!DNS_NAME.matcher(name).matches()) {
      throw new InvalidCertificateException(
          "DNS name \"" + name.replaceAll("\\p{Cntrl}", "?") + "\" is not a host name (letters, digits, hyphens and dots; no wildcards)");
    }
  }

  static X500Name subjectFor(NodeId id) {
    return new X500Name("CN=fedmesh-node-" + id.shortForm());
  }

  public byte[] der() {
    return der.clone();
  }

  public VerifyingKey key() {
    return key;
  }

  public NodeId nodeId() {
    return nodeId;
  }

  public List<String> dnsNames() {
    return dnsNames;
  }

  public List<InetAddress> ipAddresses() {
    return ipAddresses;
  }

  /** Parses an IP literal for a SAN (never a DNS lookup). */
  public static InetAddress ipLiteral(String text) {
    boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = text.contains(":") && text.matches("[0-9a-fA-F:.]+");
    if (!v4 && !v6) {
      throw new InvalidKeyMaterialException("not an IP address literal: " + text);
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new InvalidKeyMaterialException("not an IP address literal: " + text, e);
    }
  }
}
