package io.fedmesh.node.gossip;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.security.CallerIdentity;
import io.fedmesh.node.transport.TokenBuckets;
import io.fedmesh.proto.v1.GossipDelivered;
import io.fedmesh.proto.v1.GossipGrpc;
import io.fedmesh.proto.v1.GossipMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gossip endpoint: hands each message, with its authenticated sender, to the node's runner, and
 * answers with the runner's replies to that sender. Served {@link #rateLimited()}, each peer's calls
 * are rate-limited before they reach the runner's queue: beyond its allowance a call is refused RESOURCE_EXHAUSTED (counted as
 * {@code gossip_rate}), which SWIM takes as a lost message.
 */
public final class GossipService extends GossipGrpc.GossipImplBase {
  private final AtomicReference<GossipRunner> runner = new AtomicReference<>();
  private final TokenBuckets perPeer;
  private final NodeMetrics metrics;

  public GossipService(TokenBuckets perPeer, NodeMetrics metrics) {
    this.perPeer = perPeer;
    this.metrics = metrics;
  }

  /** Set once the server is listening (the runner announces the bound port). */
  public void attach(GossipRunner r) {
    runner.set(r);
  }

  /**
   * This service, with each peer's calls rate-limited as they start: a refused call's message (up to
   * the inbound limit, 4 MiB) is never even parsed.
   */
  public io.grpc.ServerServiceDefinition rateLimited() {
    return io.grpc.ServerInterceptors.intercept(this, new io.grpc.ServerInterceptor() {
      @Override
      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
          io.grpc.ServerCallHandler<Q, R> next) {
        NodeId caller = CallerIdentity.current();
        if (!perPeer.tryTake(caller, System.nanoTime())) {
          metrics.limitReached("gossip_rate");
          call.close(Status.RESOURCE_EXHAUSTED.withDescription("gossip_rate: " + caller.shortForm()
              + " is over its gossip rate limit; slow down"), new io.grpc.Metadata());
          return new io.grpc.ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    });
  }

  @Override
  public void deliver(GossipMessage message, StreamObserver<GossipDelivered> response) {
    NodeId caller = CallerIdentity.current();
    GossipRunner r = runner.get();
    if (r == null || !r.deliver(caller, message, replies -> {
      response.onNext(GossipDelivered.newBuilder().addAllReplies(replies).build());
      response.onCompleted();
    })) {
      response.onError(Status.UNAVAILABLE.withDescription(r == null ? "gossip is starting" : "this node is stopping")
          .asRuntimeException());
    }
  }
}
