package io.fedmesh.node.security;

import io.fedmesh.crypto.identity.NodeId;
import io.grpc.Context;

/** The authenticated caller of the current RPC, put in the gRPC context by {@link AuthenticationInterceptor}. */
public final class CallerIdentity {
  static final Context.Key<PeerAuthenticator.Peer> KEY = Context.key("fedmesh-caller");

  private CallerIdentity() {}

  /** The caller's node id; only ever absent outside an RPC. */
  public static NodeId current() {
    return peer().id();
  }

  /** The caller's identity key (what its envelopes must verify with). */
  public static io.fedmesh.crypto.signature.VerifyingKey currentKey() {
    return peer().key();
  }

  private static PeerAuthenticator.Peer peer() {
    PeerAuthenticator.Peer peer = KEY.get();
    if (peer == null) {
      throw new IllegalStateException("no authenticated caller in this context");
    }
    return peer;
  }
}
