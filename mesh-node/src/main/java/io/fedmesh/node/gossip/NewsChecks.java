package io.fedmesh.node.gossip;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.security.AuthenticationFailure;
import io.fedmesh.node.security.PeerAuthenticator;
import io.fedmesh.node.transport.TokenBuckets;
import io.fedmesh.proto.v1.MemberUpdate;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The check of ALIVE news a running node uses: the update is signed by its subject, and its certificate
 * authenticates (CA, validity, revocation list, SAN) as that node with that key. Checks cost a signature
 * verification and a certificate-chain check each, so they are cached and charged:
 * <ul>
 *   <li>a signature's verdict is a property of the update's bytes: kept, by their SHA-256, in a bounded LRU;</li>
 *   <li>a certificate's verdict, by the certificate's SHA-256, for {@link #CERTIFICATE_TTL_MILLIS} (the
 *       authenticator re-reads its revocation list at most once a second too, so a revocation takes
 *       effect as fast as before);</li>
 *   <li>each check not answered from the caches is charged to the peer that passed the news on: beyond
 *       its allowance the news is dropped (counted, as {@code news_checks}), to be heard again later.</li>
 * </ul>
 * Called on the gossip thread only: not thread-safe.
 */
final class NewsChecks implements SwimNode.NewsCheck {
  static final int SIGNATURES_CACHED = 8192;
  static final int CERTIFICATES_CACHED = 2048;
  static final long CERTIFICATE_TTL_MILLIS = 1000;

  private record CertificateVerdict(PeerAuthenticator.Peer peer, long checkedAtMillis) {}

  private final PeerAuthenticator authenticator;
  private final TokenBuckets budget;
  private final NodeMetrics metrics;
  private final MessageDigest sha256;
  private final Map<ByteString, Boolean> signatures = lru(SIGNATURES_CACHED);
  private final Map<ByteString, CertificateVerdict> certificates = lru(CERTIFICATES_CACHED);

  NewsChecks(PeerAuthenticator authenticator, TokenBuckets budget, NodeMetrics metrics) {
    this.authenticator = authenticator;
    this.budget = budget;
    this.metrics = metrics;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The revocation list changed: every cached certificate verdict was the old list's. */
  void forgetCertificates() {
    certificates.clear();
  }

  @Override
  public boolean admits(NodeId from, MemberUpdate update, long nowMillis) {
    ByteString updateHash = ByteString.copyFrom(sha256.digest(update.toByteArray()));
    Boolean signed = signatures.get(updateHash);
    ByteString certificateHash = ByteString.copyFrom(sha256.digest(update.getCertificate().toByteArray()));
    CertificateVerdict known = certificates.get(certificateHash);
    boolean certificateFresh = known != null && nowMillis - known.checkedAtMillis() < CERTIFICATE_TTL_MILLIS
        && nowMillis >= known.checkedAtMillis();
    if (Boolean.FALSE.equals(signed) || signed != null && certificateFresh) {
      metrics.newsCheck(true);
      return signed && matches(known.peer(), update);
    }
    if (!budget.tryTake(from, nowMillis * 1_000_000)) {
      metrics.limitReached("news_checks");
      return false;
    }
    metrics.newsCheck(false);
    if (signed == null) {
      signed = AliveUpdates.valid(update);
      signatures.put(updateHash, signed);
      if (!signed) {
        return false;
      }
    }
    if (!certificateFresh) {
      known = new CertificateVerdict(authenticate(update.getCertificate()), nowMillis);
      certificates.put(certificateHash, known);
    }
    return matches(known.peer(), update);
  }

  /** The certificate's node, or null if it does not authenticate. */
  private PeerAuthenticator.Peer authenticate(ByteString der) {
    try {
      java.security.cert.Certificate cert = java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(der.toByteArray()));
      return authenticator.authenticate(new java.security.cert.Certificate[] {cert});
    } catch (java.security.cert.CertificateException | AuthenticationFailure | RuntimeException e) {
      return null;
    }
  }

  /** The certificate names the node the update is about, with the key that signed it. */
  private static boolean matches(PeerAuthenticator.Peer peer, MemberUpdate update) {
    return peer != null && java.util.Arrays.equals(peer.id().toBytes(), update.getNode().getSha256().toByteArray())
        && java.util.Arrays.equals(peer.key().subjectPublicKeyInfo(), update.getIdentityKey().toByteArray());
  }

  private static <K, V> Map<K, V> lru(int capacity) {
    return new LinkedHashMap<>(capacity, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }
}
