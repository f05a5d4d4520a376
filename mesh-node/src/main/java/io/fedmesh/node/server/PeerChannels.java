package io.fedmesh.node.server;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.security.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;

/**
 * Channels from this node to a peer, on mutual TLS with this node's identity, trusting the consortium
 * CA and refusing servers its revocation list names.
 */
public final class PeerChannels {
  private PeerChannels() {}

  /** @param target HOST:PORT; the peer's certificate must name HOST (a DNS or IP SAN) */
  public static ManagedChannel open(NodeConfig config, String target) throws IOException {
    int colon = target.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("target must be HOST:PORT, got '" + target + "'");
    }
    int port;
    try {
      port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("target port is not a number: '" + target + "'");
    }
    NodeConfig.Tls tls = config.tls();
    io.netty.handler.ssl.SslContext context;
    try {
      context = TlsContexts.client(tls.certificate().toFile(), tls.key().toFile(), tls.ca().toFile());
    } catch (IllegalArgumentException e) {
      // Netty reports unreadable key, certificate or CA files this way: a file problem, not a usage one.
      throw new IOException("cannot use " + tls.key() + ", " + tls.certificate() + " or " + tls.ca() + ": " + e.getMessage(), e);
    }
    io.fedmesh.node.security.PeerAuthenticator authenticator;
    try {
      authenticator = new io.fedmesh.node.security.PeerAuthenticator(
          io.fedmesh.crypto.x509.Pem.readCertificate(java.nio.file.Files.readString(tls.ca())), tls.crl(), java.time.Clock.systemUTC());
    } catch (io.fedmesh.crypto.CryptoException e) {
      throw new IOException(tls.ca() + ": " + e.getMessage(), e);
    }
    // The handshake checks the CA and host name; this also refuses a revoked server.
    return NettyChannelBuilder.forAddress(target.substring(0, colon), port).sslContext(context)
        .intercept(new io.fedmesh.node.security.ExpectedServer(authenticator, null)).build();
  }
}
