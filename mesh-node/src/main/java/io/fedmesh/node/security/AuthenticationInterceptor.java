package io.fedmesh.node.security;

import io.fedmesh.node.metrics.NodeMetrics;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Authenticates every call: recomputes the caller's node id from its TLS certificate (see
 * {@link PeerAuthenticator}) and puts it in the context. A caller that fails is answered
 * UNAUTHENTICATED with the reason, counted by reason, and its call never reaches a service.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {

  private final PeerAuthenticator authenticator;
  private final NodeMetrics metrics;

  public AuthenticationInterceptor(PeerAuthenticator authenticator, NodeMetrics metrics) {
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    PeerAuthenticator.Peer caller;
    try {
      caller = authenticator.authenticate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    } catch (AuthenticationFailure f) {
      metrics.authenticationFailure(f.reason());
      // An expired list is this node's fault, not the caller's: UNAVAILABLE, so the caller retries elsewhere or later.
      Status status = f.reason() == AuthenticationFailure.Reason.CRL_EXPIRED ? Status.UNAVAILABLE : Status.UNAUTHENTICATED;
      call.close(status.withDescription(f.reason().label() + ": " + f.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(CallerIdentity.KEY, caller), call, headers, next);
  }
}
