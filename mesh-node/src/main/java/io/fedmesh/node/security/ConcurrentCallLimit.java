package io.fedmesh.node.security;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.metrics.NodeMetrics;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the calls one authenticated node has open on this server at once, over all its connections
 * (HTTP/2 bounds the streams of one connection; a peer could open many connections). A call beyond is
 * refused RESOURCE_EXHAUSTED with a message, counted as {@code calls_per_peer}, before it reaches a
 * service. Must run after {@link AuthenticationInterceptor} (it reads {@link CallerIdentity}).
 */
public final class ConcurrentCallLimit implements ServerInterceptor {
  private final int perPeer;
  private final NodeMetrics metrics;
  private final Map<NodeId, Integer> open = new ConcurrentHashMap<>();

  public ConcurrentCallLimit(int perPeer, NodeMetrics metrics) {
    this.perPeer = perPeer;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    NodeId peer = CallerIdentity.current();
    if (open.merge(peer, 1, Integer::sum) > perPeer) {
      release(peer);
      metrics.limitReached("calls_per_peer");
      call.close(Status.RESOURCE_EXHAUSTED.withDescription("calls_per_peer: " + peer.shortForm() + " has " + perPeer
          + " calls open on this node already; finish some first"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean done = new AtomicBoolean();
    Runnable end = () -> {
      if (done.compareAndSet(false, true)) {
        release(peer);
      }
    };
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          end.run();
          super.close(status, trailers);
        }
      }, headers);
    } catch (RuntimeException e) {
      end.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        end.run();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        end.run();
        super.onComplete();
      }
    };
  }

  /** Calls {@code peer} has open now (for tests). */
  int open(NodeId peer) {
    return open.getOrDefault(peer, 0);
  }

  private void release(NodeId peer) {
    open.computeIfPresent(peer, (p, n) -> n <= 1 ? null : n - 1);
  }
}
