package io.fedmesh.node.server;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.ledger.FederationDirectory;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.security.CallerIdentity;
import io.fedmesh.node.transport.EnvelopeGuard;
import io.fedmesh.node.transport.TransferReceiver;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.TransferReceipt;
import io.fedmesh.proto.v1.Member;
import io.fedmesh.proto.v1.MembersRequest;
import io.fedmesh.proto.v1.MembersResponse;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.PingRequest;
import io.fedmesh.proto.v1.PingResponse;
import io.grpc.stub.StreamObserver;
import java.time.Clock;

/** The node service. Authentication and authorisation have happened before a method runs. */
final class NodeService extends NodeGrpc.NodeImplBase {
  private final NodeId self;
  private final FederationDirectory federations;
  private final Clock clock;
  private final EnvelopeGuard guard;
  private final NodeMetrics metrics;
  private volatile io.fedmesh.node.gossip.GossipRunner gossip;

  void attach(io.fedmesh.node.gossip.GossipRunner runner) {
    this.gossip = runner;
  }

  @Override
  public void mesh(io.fedmesh.proto.v1.MeshRequest request, StreamObserver<io.fedmesh.proto.v1.MeshResponse> response) {
    io.fedmesh.node.gossip.GossipRunner g = gossip;
    if (g == null) {
      response.onError(io.grpc.Status.UNAVAILABLE.withDescription("membership is starting").asRuntimeException());
      return;
    }
    io.fedmesh.proto.v1.MeshResponse.Builder out = io.fedmesh.proto.v1.MeshResponse.newBuilder();
    java.util.Map<NodeId, io.fedmesh.node.gossip.GossipRunner.MemberView> view;
    try {
      view = g.view();
    } catch (IllegalStateException e) {
      response.onError(io.grpc.Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    view.forEach((node, entry) -> {
      io.fedmesh.proto.v1.MeshMember.Builder m = io.fedmesh.proto.v1.MeshMember.newBuilder()
          .setNode(id(node))
          .setState(entry.member().state().name().substring("MEMBER_STATE_".length()).toLowerCase(java.util.Locale.ROOT))
          .setIncarnation(entry.member().incarnation())
          .setAddress(entry.address())
          .addAllRoles(federations.roles(request.getFederation().getName(), node));
      if (entry.via() != null) {
        m.setVia(id(entry.via()));
      }
      out.addMembers(m);
    });
    response.onNext(out.build());
    response.onCompleted();
  }

  private final java.util.concurrent.ScheduledExecutorService timer;
  private final long idleMillis;

  NodeService(NodeId self, FederationDirectory federations, Clock clock, EnvelopeGuard guard, NodeMetrics metrics,
      java.util.concurrent.ScheduledExecutorService timer, long idleMillis) {
    this.timer = timer;
    this.idleMillis = idleMillis;
    this.self = self;
    this.federations = federations;
    this.clock = clock;
    this.guard = guard;
    this.metrics = metrics;
  }

  @Override
  public StreamObserver<Envelope> transfer(StreamObserver<TransferReceipt> response) {
    return new TransferReceiver(guard, CallerIdentity.currentKey(), metrics, response, timer, idleMillis);
  }

  @Override
  public void ping(PingRequest request, StreamObserver<PingResponse> response) {
    response.onNext(PingResponse.newBuilder().setNode(id(self)).setCaller(id(CallerIdentity.current()))
        .setTimeUnixMillis(clock.millis()).build());
    response.onCompleted();
  }

  @Override
  public void members(MembersRequest request, StreamObserver<MembersResponse> response) {
    MembersResponse.Builder out = MembersResponse.newBuilder();
    federations.members(request.getFederation().getName()).forEach((node, roles) ->
        out.addMembers(Member.newBuilder().setNode(id(node)).addAllRoles(roles)));
    response.onNext(out.build());
    response.onCompleted();
  }

  private static io.fedmesh.proto.v1.NodeId id(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
