package io.fedmesh.node.security;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.security.AuthenticationFailure.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.Certificate;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;

/**
 * Turns a TLS peer's certificate into a node id, or says why it cannot: the certificate must be
 * issued and signed by the consortium CA, valid now, absent from the CA's current revocation list,
 * and its URI SAN must name the id of its own key. The revocation list is re-read when its file
 * changes (checked at most once a second), so a revocation copied to the node takes effect without
 * a restart; a list that is not signed by the CA, has expired, or is older than the one in force is
 * ignored (and refused at start). Thread-safe.
 */
public final class PeerAuthenticator {
  private final X509Certificate ca;
  private final Path crlFile;
  private final Clock clock;
  private volatile X509CRL crl;
  private volatile FileTime crlModified;
  private volatile long checkedAtMillis;
  private volatile long crlVersion;

  /** @throws IOException if the revocation list cannot be read, or is not the CA's */
  public PeerAuthenticator(X509Certificate ca, Path crlFile, Clock clock) throws IOException {
    this.ca = ca;
    this.crlFile = crlFile;
    this.clock = clock;
    reloadCrl();
  }

  /** An authenticated peer: its node id and the key that id is the hash of. */
  public record Peer(NodeId id, io.fedmesh.crypto.signature.VerifyingKey key, Instant notAfter) {}

  private static final String SESSION_KEY = "fedmesh.authenticated-peer";

  private record Cached(Peer peer, long crlVersion) {}

  /**
   * The peer of a TLS session. A session's certificate does not change, so the result is kept in the
   * session and reused until the revocation list changes or the certificate expires: servers and
   * clients check each peer once per connection, not once per call.
   */
  public Peer authenticate(javax.net.ssl.SSLSession session) throws AuthenticationFailure {
    if (session == null) {
      throw new AuthenticationFailure(Reason.NO_CERTIFICATE, "the connection is not TLS");
    }
    if (session.getValue(SESSION_KEY) instanceof Cached c && c.crlVersion() == crlVersion()
        && clock.instant().isBefore(c.peer().notAfter())) {
      return c.peer();
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      chain = null;
    }
    Peer peer = authenticate(chain);
    session.putValue(SESSION_KEY, new Cached(peer, crlVersion()));
    return peer;
  }

  public Peer authenticate(Certificate[] chain) throws AuthenticationFailure {
    if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
      throw new AuthenticationFailure(Reason.NO_CERTIFICATE, "the peer presented no X.509 certificate");
    }
    Instant now = clock.instant();
    if (now.isBefore(certificate.getNotBefore().toInstant()) || now.isAfter(certificate.getNotAfter().toInstant())) {
      throw new AuthenticationFailure(Reason.EXPIRED, "the certificate is not valid now (valid "
          + certificate.getNotBefore().toInstant() + " to " + certificate.getNotAfter().toInstant() + ")");
    }
    try {
      NodeCertificates.verifyIssuedBy(certificate, ca, now);
    } catch (CryptoException e) {
      throw new AuthenticationFailure(Reason.UNKNOWN_CA, "the certificate is not from this mesh's CA: " + e.getMessage());
    }
    // The list's signature was checked when it was loaded; here only the lookup.
    if (currentCrl().isRevoked(certificate)) {
      throw new AuthenticationFailure(Reason.REVOKED, "certificate " + certificate.getSerialNumber().toString(16) + " is revoked");
    }
    try {
      NodeId id = NodeCertificates.verifiedNodeId(certificate);
      return new Peer(id, io.fedmesh.crypto.signature.VerifyingKey.fromSubjectPublicKeyInfo(certificate.getPublicKey().getEncoded()),
          certificate.getNotAfter().toInstant());
    } catch (CryptoException e) {
      throw new AuthenticationFailure(Reason.SAN_MISMATCH, e.getMessage());
    }
  }

  /**
   * Changes whenever a new revocation list takes effect (and may change when it is checked for one),
   * so a result cached under an older version is re-checked. Calling it also checks for a new list.
   */
  private long crlVersion() {
    currentCrl();
    return crlVersion;
  }

  private X509CRL currentCrl() {
    long nowMillis = clock.millis();
    if (nowMillis - checkedAtMillis >= 1000) {
      checkedAtMillis = nowMillis;
      try {
        if (!Files.getLastModifiedTime(crlFile).equals(crlModified)) {
          reloadCrl();
        }
      } catch (IOException | CryptoException e) {
        // Keep the list we have: a half-copied or bad file must not open the door to revoked peers.
      }
    }
    return crl;
  }

  private synchronized void reloadCrl() throws IOException {
    FileTime modified = Files.getLastModifiedTime(crlFile);
    X509CRL loaded;
    try {
      loaded = Pem.readRevocationList(Files.readString(crlFile));
    } catch (CryptoException e) {
      throw new IOException(crlFile + ": " + e.getMessage(), e);
    }
    try {
      NodeCertificates.verifyRevocationList(loaded, ca);
    } catch (CryptoException e) {
      throw new IOException(crlFile + ": " + e.getMessage(), e);
    }
    if (loaded.getNextUpdate() != null && clock.instant().isAfter(loaded.getNextUpdate().toInstant())) {
      throw new IOException(crlFile + ": the revocation list expired at " + loaded.getNextUpdate().toInstant()
          + "; get a fresh one from the CA");
    }
    X509CRL current = crl;
    if (current != null && NodeCertificates.revocationListNumber(loaded).compareTo(NodeCertificates.revocationListNumber(current)) < 0) {
      throw new IOException(crlFile + ": an older revocation list (number " + NodeCertificates.revocationListNumber(loaded)
          + ") cannot replace number " + NodeCertificates.revocationListNumber(current));
    }
    crl = loaded;
    crlModified = modified;
    crlVersion++;
  }
}
