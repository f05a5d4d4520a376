package io.fedmesh.node.security;

import io.fedmesh.crypto.identity.NodeId;
import io.grpc.Context;

/** The authenticated caller of the current RPC, put in the gRPC context by {@link AuthenticationInterceptor}. */
public final class CallerIdentity {
  static final Context.Key<NodeId> KEY = Context.key("fedmesh-caller");

  private CallerIdentity() {}

  /** The caller's node id; only ever absent outside an RPC. */
  public static NodeId current() {
    NodeId id = KEY.get();
    if (id == null) {
      throw new IllegalStateException("no authenticated caller in this context");
    }
    return id;
  }
}
