package io.fedmesh.crypto.x509;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.signature.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM (RFC 7468) text for the three documents a node keeps: its PKCS#8 private key ("PRIVATE KEY"),
 * certificates ("CERTIFICATE") and certificate requests ("CERTIFICATE REQUEST"). PKCS#8, not SEC1
 * "EC PRIVATE KEY", because that is what Ratis and Netty read.
 */
public final class Pem {
  public static final String PRIVATE_KEY = "PRIVATE KEY";
  public static final String CERTIFICATE = "CERTIFICATE";
  public static final String CERTIFICATE_REQUEST = "CERTIFICATE REQUEST";
  public static final String CRL = "X509 CRL";

  private Pem() {}

  /** PEM text of {@code der} under the given type label. */
  public static String encode(String type, byte[] der) {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new PemObject(type, der));
    } catch (IOException e) {
      throw new IllegalStateException("writing to a string cannot fail", e);
    }
    return out.toString();
  }

  /**
   * The DER inside the first PEM block of {@code text}.
   *
   * @throws InvalidCertificateException if there is no PEM block, or its label is not {@code expectedType}
   */
  public static byte[] decode(String expectedType, String text) {
    PemObject object;
    try (PemReader reader = new PemReader(new StringReader(text))) {
      object = reader.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new InvalidCertificateException("malformed PEM: " + e.getMessage(), e);
    }
    if (object == null) {
      throw new InvalidCertificateException("no PEM block found (expected -----BEGIN " + expectedType + "-----)");
    }
    if (!object.getType().equals(expectedType)) {
      throw new InvalidCertificateException("PEM block is \"" + object.getType() + "\", expected \"" + expectedType + "\"");
    }
    return object.getContent();
  }

  public static String privateKey(SigningKey key) {
    return encode(PRIVATE_KEY, key.toPkcs8());
  }

  /** @throws InvalidKeyMaterialException if the text is not a PKCS#8 P-256 key */
  public static SigningKey readPrivateKey(String text) {
    try {
      return SigningKey.fromPkcs8(decode(PRIVATE_KEY, text));
    } catch (InvalidCertificateException e) {
      throw new InvalidKeyMaterialException(e.getMessage(), e);
    }
  }

  public static String certificate(X509Certificate certificate) {
    return encode(CERTIFICATE, CertificateAuthority.der(certificate));
  }

  public static X509Certificate readCertificate(String text) {
    return certificateFromDer(decode(CERTIFICATE, text));
  }

  public static String certificateRequest(NodeCertificateRequest request) {
    return encode(CERTIFICATE_REQUEST, request.der());
  }

  /** Reads and checks a request (see {@link NodeCertificateRequest#parse}). */
  public static NodeCertificateRequest readCertificateRequest(String text) {
    return NodeCertificateRequest.parse(decode(CERTIFICATE_REQUEST, text));
  }

  public static String revocationList(java.security.cert.X509CRL crl) {
    try {
      return encode(CRL, crl.getEncoded());
    } catch (java.security.cert.CRLException e) {
      throw new InvalidCertificateException("revocation list cannot be encoded", e);
    }
  }

  /** @throws InvalidCertificateException if the text is not a PEM X.509 CRL */
  public static java.security.cert.X509CRL readRevocationList(String text) {
    return crlFromDer(decode(CRL, text));
  }

  static java.security.cert.X509CRL crlFromDer(byte[] der) {
    try {
      return (java.security.cert.X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    } catch (CertificateException | java.security.cert.CRLException e) {
      throw new InvalidCertificateException("not a valid X.509 revocation list: " + e.getMessage(), e);
    }
  }

  static X509Certificate certificateFromDer(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new InvalidCertificateException("not a valid X.509 certificate: " + e.getMessage(), e);
    }
  }
}
