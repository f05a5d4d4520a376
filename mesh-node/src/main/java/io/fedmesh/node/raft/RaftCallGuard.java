package io.fedmesh.node.raft;

import io.fedmesh.crypto.identity.NodeId;
import java.security.cert.Certificate;
import java.util.Optional;
import java.util.function.BiPredicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Per-request authorisation on the Raft port. The TLS handshake ({@link RaftPeerTrust}) admits any
 * coordinator-eligible node of any federation this node hosts, and Ratis itself serves every group to
 * every authenticated caller: without this guard a coordinator of federation B could read, vote in,
 * or append to federation A's group on a shared port. Each request is checked against the group it
 * names: the caller (the node id of its TLS certificate) must be a peer of that group's configuration,
 * and a server-to-server request must come from the peer it claims to be. Ratis administration
 * (group management, reconfiguration, leadership transfer, snapshots) is not served over the network
 * at all: FedMesh changes groups only locally, from the committed ledger.
 */
final class RaftCallGuard implements ServerInterceptor {
  private static final String ADMIN_SERVICE = "ratis.grpc.AdminProtocolService";

  private final BiPredicate<RaftGroupId, String> isPeer;
  private final Refusals refusals;

  /** Counts a refused call, by reason. */
  interface Refusals {
    void refused(String reason);
  }

  /**
   * @param isPeer whether a node (hex id) is a peer of a hosted group's configuration; false when this
   *     server hosts no such group
   */
  RaftCallGuard(BiPredicate<RaftGroupId, String> isPeer, Refusals refusals) {
    this.isPeer = isPeer;
    this.refusals = refusals;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Optional<NodeId> caller = caller(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (caller.isEmpty()) {
      return refuse(call, "unauthenticated", "no client certificate on the Raft port");
    }
    if (ADMIN_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
      return refuse(call, "admin", "Raft administration is not served over the network: groups change only from the committed ledger");
    }
    String callerHex = caller.get().hex();
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      private boolean closed;

      @Override
      public void onMessage(Q message) {
        if (closed) {
          return;
        }
        Optional<String> refusal = check(callerHex, message);
        if (refusal.isPresent()) {
          closed = true;
          refusals.refused(refusal.get().startsWith("node") ? "not-a-peer" : "bad-request");
          call.close(Status.PERMISSION_DENIED.withDescription(refusal.get()), new Metadata());
          // Ratis registered a handler for this call when it started: tell it the call is over, or it
          // keeps the handler (a refused stream would leak one each).
          super.onCancel();
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!closed) {
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        if (!closed) {
          super.onCancel();
        }
      }
    };
  }

  /** Why {@code message} from {@code callerHex} is refused, or empty when it may proceed. */
  private Optional<String> check(String callerHex, Object message) {
    RaftRpcRequestProto request;
    boolean serverToServer = true;
    if (message instanceof RaftClientRequestProto m) {
      request = m.getRpcRequest();
      serverToServer = false;
    } else if (message instanceof AppendEntriesRequestProto m) {
      request = m.getServerRequest();
    } else if (message instanceof RequestVoteRequestProto m) {
      request = m.getServerRequest();
    } else if (message instanceof InstallSnapshotRequestProto m) {
      request = m.getServerRequest();
    } else if (message instanceof StartLeaderElectionRequestProto m) {
      request = m.getServerRequest();
    } else if (message instanceof ReadIndexRequestProto m) {
      request = m.getServerRequest();
    } else {
      return Optional.of("request type " + message.getClass().getSimpleName() + " is not served on the Raft port");
    }
    RaftGroupId group;
    try {
      group = RaftGroupId.valueOf(request.getRaftGroupId().getId());
    } catch (RuntimeException e) {
      return Optional.of("request names no valid Raft group");
    }
    if (!isPeer.test(group, callerHex)) {
      return Optional.of("node " + callerHex + " is not a peer of Raft group " + group.getUuid());
    }
    // A peer may not speak for another peer (a vote or an append in someone else's name).
    if (serverToServer && !request.getRequestorId().toStringUtf8().equals(callerHex)) {
      return Optional.of("node " + callerHex + " sent a server request in the name of another peer");
    }
    return Optional.empty();
  }

  private <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, String reason, String message) {
    refusals.refused(reason);
    call.close(Status.PERMISSION_DENIED.withDescription(message), new Metadata());
    return new ServerCall.Listener<>() { };
  }

  private static Optional<NodeId> caller(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0) {
        return Optional.empty();
      }
      return Optional.of(NodeId.ofSubjectPublicKeyInfo(chain[0].getPublicKey().getEncoded()));
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }
}
