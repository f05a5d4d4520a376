package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.identity.NodeId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/** The SANs FedMesh uses, read from a request or certificate: URIs, DNS names and IP addresses. */
record SubjectAlternativeNames(List<String> uris, List<String> dnsNames, List<InetAddress> ipAddresses, GeneralNames asn1) {

  static SubjectAlternativeNames of(GeneralNames names) {
    List<String> uris = new ArrayList<>();
    List<String> dns = new ArrayList<>();
    List<InetAddress> ips = new ArrayList<>();
    for (GeneralName name : names.getNames()) {
      switch (name.getTagNo()) {
        case GeneralName.uniformResourceIdentifier -> uris.add(((ASN1String) name.getName()).getString());
        case GeneralName.dNSName -> dns.add(((ASN1String) name.getName()).getString());
        case GeneralName.iPAddress -> {
          try {
            ips.add(InetAddress.getByAddress(ASN1OctetString.getInstance(name.getName()).getOctets()));
          } catch (UnknownHostException e) {
            throw new InvalidCertificateException("IP address SAN has a bad length", e);
          }
        }
        default -> throw new InvalidCertificateException("unsupported subject alternative name type " + name.getTagNo());
      }
    }
    return new SubjectAlternativeNames(List.copyOf(uris), List.copyOf(dns), List.copyOf(ips), names);
  }

  /** The node id of the one URI SAN; refuses none, several, or one that is not a node URI. */
  NodeId singleNodeId(String where) {
    if (uris.size() != 1) {
      throw new InvalidCertificateException(where + " must have exactly one URI SAN (the node id), has " + uris.size());
    }
    try {
      return NodeId.ofUri(uris.get(0));
    } catch (InvalidKeyMaterialException e) {
      throw new InvalidCertificateException(where + " URI SAN is not a node id: " + e.getMessage(), e);
    }
  }
}
