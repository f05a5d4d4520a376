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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns a TLS peer's certificate into a node id, or says why it cannot: the certificate must be
 * issued and signed by the consortium CA, valid now, absent from the CA's current revocation list,
 * and its URI SAN must name the id of its own key. The revocation list is re-read when its file
 * changes (checked at most once a second), so a revocation copied to the node takes effect without
 * a restart; a list that is not signed by the CA, is older than the one in force, or is past its
 * next update by more than the grace is ignored (and refused at start).
 *
 * <p>A list in force past its next update is <em>stale</em>: reported (a warning, and
 * {@link #freshness}), still honoured. Past the grace too it is <em>expired</em>: this node can no
 * longer tell revoked peers from good ones, so every authentication fails
 * ({@link AuthenticationFailure.Reason#CRL_EXPIRED}) until a fresh list arrives. {@link #refresh}
 * (run every second by the node) re-reads the file and tells {@link #onChange listeners} when a new
 * list took effect, so open calls and membership can be re-checked. Thread-safe.
 */
public final class PeerAuthenticator {
  /** How long a list past its next update is still honoured, unless configured otherwise. */
  public static final Duration DEFAULT_GRACE = Duration.ofHours(24);

  /** Where the list in force stands against its next update. */
  public enum Freshness {
    /** Before its next update. */
    FRESH,
    /** Past its next update, within the grace: honoured, reported. */
    STALE,
    /** Past its next update and the grace: every peer is refused. */
    EXPIRED
  }

  private static final System.Logger LOG = System.getLogger(PeerAuthenticator.class.getName());

  private final X509Certificate ca;
  private final Path crlFile;
  private final Clock clock;
  private final Duration grace;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private long notifiedVersion;
  private Freshness reported = Freshness.FRESH;
  private volatile X509CRL crl;
  private volatile FileTime crlModified;
  private volatile long checkedAtMillis;
  private volatile long crlVersion;

  /** @throws IOException if the revocation list cannot be read, or is not the CA's */
  public PeerAuthenticator(X509Certificate ca, Path crlFile, Clock clock) throws IOException {
    this(ca, crlFile, DEFAULT_GRACE, clock);
  }

  /**
   * @param grace how long a list past its next update is still honoured (reported as stale)
   * @throws IOException if the revocation list cannot be read, is not the CA's, or expired beyond the grace
   */
  public PeerAuthenticator(X509Certificate ca, Path crlFile, Duration grace, Clock clock) throws IOException {
    this.ca = ca;
    this.crlFile = crlFile;
    this.clock = clock;
    this.grace = grace;
    reloadCrl();
    notifiedVersion = crlVersion;
  }

  /** An authenticated peer: its node id, the key that id is the hash of, and the certificate it presented. */
  public record Peer(NodeId id, io.fedmesh.crypto.signature.VerifyingKey key, Instant notAfter, X509Certificate certificate) {}

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
    checkFresh();
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
    checkFresh();
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
          certificate.getNotAfter().toInstant(), certificate);
    } catch (CryptoException e) {
      throw new AuthenticationFailure(Reason.SAN_MISMATCH, e.getMessage());
    }
  }

  /** Whether the list in force names {@code certificate} (a peer admitted before the list changed may be). */
  public boolean revoked(X509Certificate certificate) {
    return currentCrl().isRevoked(certificate);
  }

  /** Where the list in force stands against its next update, now. */
  public Freshness freshness() {
    X509CRL current = crl;
    if (current.getNextUpdate() == null) {
      return Freshness.FRESH;
    }
    Instant next = current.getNextUpdate().toInstant();
    Instant now = clock.instant();
    return !now.isAfter(next) ? Freshness.FRESH : !now.isAfter(next.plus(grace)) ? Freshness.STALE : Freshness.EXPIRED;
  }

  /** When the list in force should be replaced by (its next update), or null if it names none. */
  public Instant nextUpdate() {
    X509CRL current = crl;
    return current.getNextUpdate() == null ? null : current.getNextUpdate().toInstant();
  }

  /** Told, on the thread that runs {@link #refresh}, each time a new list has taken effect. */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Re-reads the list if its file changed, tells the listeners if a new list took effect (here or on
   * an authentication since the last refresh), and reports a list that went stale or expired. Run
   * periodically by one thread.
   */
  public void refresh() {
    checkedAtMillis = 0;
    currentCrl();
    Freshness now = freshness();
    synchronized (this) {
      if (now != reported) {
        reported = now;
        switch (now) {
          case STALE -> LOG.log(System.Logger.Level.WARNING, crlFile + ": the revocation list was due to be replaced at "
              + nextUpdate() + "; it stays in force until " + nextUpdate().plus(grace) + ", then this node refuses every "
              + "peer: get a fresh one from the CA ('fedmesh ca revoke' or re-issue writes one)");
          case EXPIRED -> LOG.log(System.Logger.Level.ERROR, crlFile + ": the revocation list expired at " + nextUpdate()
              + " and its grace ran out: this node refuses every peer until it gets a fresh one from the CA");
          case FRESH -> LOG.log(System.Logger.Level.INFO, crlFile + ": a fresh revocation list is in force");
        }
      }
    }
    long version = crlVersion;
    if (version != notifiedVersion) {
      notifiedVersion = version;
      for (Runnable listener : listeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "acting on a new revocation list failed", e);
        }
      }
    }
  }

  private void checkFresh() throws AuthenticationFailure {
    currentCrl();
    if (freshness() == Freshness.EXPIRED) {
      throw new AuthenticationFailure(Reason.CRL_EXPIRED, "this node's revocation list expired at " + nextUpdate()
          + " (grace " + grace + "): it cannot tell revoked peers from good ones, and takes no calls until it gets a fresh one");
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
      loaded = Pem.readRevocationList(io.fedmesh.node.config.TextFiles.read(crlFile, io.fedmesh.node.config.TextFiles.PEM_BYTES));
    } catch (CryptoException e) {
      throw new IOException(crlFile + ": " + e.getMessage(), e);
    }
    try {
      NodeCertificates.verifyRevocationList(loaded, ca);
    } catch (CryptoException e) {
      throw new IOException(crlFile + ": " + e.getMessage(), e);
    }
    if (loaded.getNextUpdate() != null && clock.instant().isAfter(loaded.getNextUpdate().toInstant().plus(grace))) {
      throw new IOException(crlFile + ": the revocation list expired at " + loaded.getNextUpdate().toInstant()
          + " (and its grace of " + grace + " ran out); get a fresh one from the CA");
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
