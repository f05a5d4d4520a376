package io.fedmesh.node.raft;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.x509.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Who may speak Raft with this node: a peer whose certificate the consortium CA issued is not enough,
 * since Ratis serves group management and reconfiguration on the same port to any TLS client. In both
 * directions the handshake also requires the peer's node id (the hash of its certificate's key) to be
 * one of {@code allowed}: the coordinator-eligible members of the federations this node keeps ledgers
 * of or is configured for. A participant, or any other certified identity, is refused in the handshake.
 */
final class RaftPeerTrust extends X509ExtendedTrustManager {
  private final X509TrustManager ca;
  private final Supplier<Set<NodeId>> allowed;

  private RaftPeerTrust(X509TrustManager ca, Supplier<Set<NodeId>> allowed) {
    this.ca = ca;
    this.allowed = allowed;
  }

  static TrustManager trusting(Path caFile, Supplier<Set<NodeId>> allowed) throws IOException {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(store);
      for (TrustManager t : f.getTrustManagers()) {
        if (t instanceof X509TrustManager x) {
          return new RaftPeerTrust(x, allowed);
        }
      }
      throw new IOException(caFile + ": no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IOException(caFile + ": " + e.getMessage(), e);
    }
  }

  /** The node's own key and certificate, for its side of the handshake. */
  static KeyManager keys(Path keyFile, Path certificateFile) throws IOException {
    try (InputStream in = Files.newInputStream(certificateFile)) {
      byte[] pkcs8 = Pem.readPrivateKey(Files.readString(keyFile)).toPkcs8();
      PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      X509Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("node", key, password, chain);
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(store, password);
      return f.getKeyManagers()[0];
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(keyFile + ", " + certificateFile + ": " + e.getMessage(), e);
    }
  }

  private void admit(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no certificate");
    }
    NodeId peer = NodeId.ofSubjectPublicKeyInfo(chain[0].getPublicKey().getEncoded());
    if (!allowed.get().contains(peer)) {
      throw new CertificateException("node " + peer.hex() + " is not coordinator-eligible in any federation of this node");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    ca.checkClientTrusted(chain, authType);
    admit(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    ca.checkServerTrusted(chain, authType);
    admit(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.getAcceptedIssuers();
  }
}
