package io.fedmesh.node.identity;

import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;

/**
 * A consortium CA's directory: {@code ca.key} (owner only), {@code ca.crt} (what every node pins) and
 * {@code crl.pem}, the revocation list every node honours.
 */
record CaDirectory(Path dir) {
  static final String KEY = "ca.key";
  static final String CERTIFICATE = "ca.crt";
  static final String CRL = "crl.pem";

  Path key() {
    return dir.resolve(KEY);
  }

  Path certificate() {
    return dir.resolve(CERTIFICATE);
  }

  Path crl() {
    return dir.resolve(CRL);
  }

  /** @throws IOException naming the missing or unreadable file */
  CertificateAuthority load() throws IOException {
    return new CertificateAuthority(Pem.readCertificate(read(certificate())), Pem.readPrivateKey(read(key())));
  }

  X509CRL loadCrl() throws IOException {
    return Pem.readRevocationList(read(crl()));
  }

  X509Certificate loadCertificate() throws IOException {
    return Pem.readCertificate(read(certificate()));
  }

  static String read(Path file) throws IOException {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file + ": no such file");
    }
  }
}
