package io.fedmesh.node.security;

import io.fedmesh.crypto.identity.NodeId;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import javax.net.ssl.SSLSession;

/**
 * A client's check of the server it reached: the TLS handshake proves only that the server holds a
 * certificate from the CA for the dialled host; this also checks the revocation list and, when the
 * caller expects a particular node (a pinned seed, a gossip peer), that the server is that node. A
 * server that fails is hung up on before its answer is used.
 */
public final class ExpectedServer implements ClientInterceptor {
  private final PeerAuthenticator authenticator;
  private final NodeId expected;
  private final java.util.function.Consumer<PeerAuthenticator.Peer> onAuthenticated;

  /** @param expected the node the caller means to reach, or null for any unrevoked member */
  public ExpectedServer(PeerAuthenticator authenticator, NodeId expected) {
    this(authenticator, expected, peer -> { });
  }

  /**
   * @param onAuthenticated told the server's identity once it passed, before any answer is used (a
   *     stream that must verify the server's own envelopes takes its key from here)
   */
  public ExpectedServer(PeerAuthenticator authenticator, NodeId expected,
      java.util.function.Consumer<PeerAuthenticator.Peer> onAuthenticated) {
    this.authenticator = authenticator;
    this.expected = expected;
    this.onAuthenticated = onAuthenticated;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        ClientCall<Q, R> call = this;
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          private String refused;

          @Override
          public void onHeaders(Metadata received) {
            refused = problem(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), onAuthenticated);
            if (refused != null) {
              call.cancel(refused, null);
              return;
            }
            super.onHeaders(received);
          }

          @Override
          public void onMessage(R message) {
            if (refused == null) {
              super.onMessage(message);
            }
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            super.onClose(refused != null ? Status.UNAUTHENTICATED.withDescription(refused) : status, trailers);
          }
        }, headers);
      }
    };
  }

  private String problem(SSLSession session, java.util.function.Consumer<PeerAuthenticator.Peer> authenticated) {
    try {
      PeerAuthenticator.Peer peer = authenticator.authenticate(session);
      if (expected != null && !peer.id().equals(expected)) {
        return "the server is node " + peer.id().shortForm() + ", not the expected " + expected.shortForm();
      }
      authenticated.accept(peer);
      return null;
    } catch (AuthenticationFailure f) {
      return "the server's certificate is refused: " + f.reason().label() + ": " + f.getMessage();
    }
  }
}
