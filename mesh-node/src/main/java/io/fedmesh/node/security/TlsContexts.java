package io.fedmesh.node.security;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS 1.3 contexts on BoringSSL (netty-tcnative) for the node's gRPC server and clients, with the
 * node's own key and certificate.
 *
 * <p>The server requires a client certificate but accepts any at the handshake, which still proves
 * the client holds the certificate's key. {@link AuthenticationInterceptor} then checks it against
 * the CA, the revocation list and its SAN, so that a refused peer gets UNAUTHENTICATED with the
 * reason, counted in a metric, rather than a bare handshake failure. Clients verify servers against
 * the CA at the handshake.
 */
public final class TlsContexts {
  private TlsContexts() {}

  public static SslContext server(File certificate, File key) throws SSLException {
    requireBoringSsl();
    return GrpcSslContexts.configure(SslContextBuilder.forServer(certificate, key), SslProvider.OPENSSL)
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(new AnyClientCertificate())
        .protocols("TLSv1.3")
        .build();
  }

  public static SslContext client(File certificate, File key, File ca) throws SSLException {
    requireBoringSsl();
    return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.OPENSSL)
        .keyManager(certificate, key)
        .trustManager(ca)
        .protocols("TLSv1.3")
        .build();
  }

  private static void requireBoringSsl() throws SSLException {
    if (!OpenSsl.isAvailable()) {
      throw new SSLException("BoringSSL (netty-tcnative) is not available: " + OpenSsl.unavailabilityCause());
    }
  }

  /** Accepts every client chain at the handshake; the interceptor decides, with a reason. */
  private static final class AnyClientCertificate extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      throw new CertificateException("a server context does not judge servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      throw new CertificateException("a server context does not judge servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a server context does not judge servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
