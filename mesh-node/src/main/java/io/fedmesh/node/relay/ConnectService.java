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
    EnvelopeLink link = new EnvelopeLink(caller, out);
    out.setOnCancelHandler(() -> router.detach(caller, link));
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
          synchronized (link) {
            out.onError(refusal.status().asRuntimeException());
          }
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
        synchronized (link) {
          try {
            out.onCompleted();
          } catch (RuntimeException alreadyClosed) {
            // The stream was ended by the other side first.
          }
        }
      }
    };
  }
}
