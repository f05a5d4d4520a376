package io.fedmesh.node.gossip;

import io.fedmesh.node.security.CallerIdentity;
import io.fedmesh.proto.v1.GossipDelivered;
import io.fedmesh.proto.v1.GossipGrpc;
import io.fedmesh.proto.v1.GossipMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gossip endpoint: hands each message, with its authenticated sender, to the node's runner, and
 * answers with the runner's replies to that sender.
 */
public final class GossipService extends GossipGrpc.GossipImplBase {
  private final AtomicReference<GossipRunner> runner = new AtomicReference<>();

  /** Set once the server is listening (the runner announces the bound port). */
  public void attach(GossipRunner r) {
    runner.set(r);
  }

  @Override
  public void deliver(GossipMessage message, StreamObserver<GossipDelivered> response) {
    GossipRunner r = runner.get();
    if (r == null || !r.deliver(CallerIdentity.current(), message, replies -> {
      response.onNext(GossipDelivered.newBuilder().addAllReplies(replies).build());
      response.onCompleted();
    })) {
      response.onError(Status.UNAVAILABLE.withDescription(r == null ? "gossip is starting" : "this node is stopping")
          .asRuntimeException());
    }
  }
}
