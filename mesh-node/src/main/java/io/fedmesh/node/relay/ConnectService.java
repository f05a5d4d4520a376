package io.fedmesh.node.relay;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.node.security.CallerIdentity;
import io.fedmesh.node.transport.EnvelopeRefusal;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.MeshGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The {@code Mesh.Connect} endpoint: each stream a peer opens is registered with the router as the
 * way to reach that peer (a node behind a firewall is attached here while it stays open), and what
 * arrives on it is routed. The first envelope the caller gets wrong ends its stream with that status.
 */
public final class ConnectService extends MeshGrpc.MeshImplBase {
  /**
   * The service as served: response headers go out as soon as a stream opens, so the dialling node
   * checks this node's certificate (and knows the stream is up) before it sends anything.
   */
  public static io.grpc.ServerServiceDefinition definition(EnvelopeRouter router) {
    return io.grpc.ServerInterceptors.intercept(new ConnectService(router), headersFirst());
  }

  /** Sends response headers as soon as a call starts (and only then): what a Connect server must do. */
  public static io.grpc.ServerInterceptor headersFirst() {
    return new io.grpc.ServerInterceptor() {
      @Override
      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
          io.grpc.ServerCallHandler<Q, R> next) {
        call.sendHeaders(new io.grpc.Metadata());
        // The stub sends headers again before its first message: once is all the wire takes.
        return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(io.grpc.Metadata ignored) {}
        }, headers);
      }
    };
  }

  private final EnvelopeRouter router;

  public ConnectService(EnvelopeRouter router) {
    this.router = router;
  }

  @Override
  public StreamObserver<Envelope> connect(StreamObserver<Envelope> responses) {
    NodeId caller = CallerIdentity.current();
    VerifyingKey callerKey = CallerIdentity.currentKey();
    ServerCallStreamObserver<Envelope> out = (ServerCallStreamObserver<Envelope>) responses;
    out.disableAutoRequest();
    EnvelopeLink link = new EnvelopeLink(caller, out, true);
    out.setOnCancelHandler(() -> router.detach(caller, link));
    // Closed by this node: at the end of the stream, or because the caller's certificate was revoked.
    out.setOnCloseHandler(() -> router.detach(caller, link));
    router.attach(caller, link);
    out.request(ConnectStreams.WINDOW);
    return new StreamObserver<>() {
      private boolean ended;

      @Override
      public void onNext(Envelope envelope) {
        if (ended) {
          return;
        }
        try {
          router.receive(envelope, caller, callerKey, () -> out.request(1));
        } catch (EnvelopeRefusal refusal) {
          ended = true;
          router.detach(caller, link);
          link.end(stream -> stream.onError(refusal.status().asRuntimeException()));
        }
      }

      @Override
      public void onError(Throwable t) {
        ended = true;
        router.detach(caller, link);
      }

      @Override
      public void onCompleted() {
        ended = true;
        router.detach(caller, link);
        link.complete();
      }
    };
  }
}
