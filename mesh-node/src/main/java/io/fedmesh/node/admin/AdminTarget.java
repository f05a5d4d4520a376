package io.fedmesh.node.admin;

import io.fedmesh.node.server.PeerCall;
import io.fedmesh.proto.v1.AdminGrpc;
import io.fedmesh.proto.v1.FederationId;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options every admin command shares (a picocli mixin): which node to ask, as which node, about
 * which federation. The call goes over mutual TLS with the identity of the node {@code --config}
 * describes, exactly as {@code fedmesh members} does; that node must be an admin of the federation.
 */
final class AdminTarget {
  @Option(names = "--config", required = true, paramLabel = "FILE", order = 100,
      description = "The asking node's config (its identity: key, certificate, CA, revocation list).")
  Path config;

  @Option(names = "--target", required = true, paramLabel = "HOST:PORT", order = 101, description = "The node to ask.")
  String target;

  @Option(names = "--federation", required = true, paramLabel = "NAME", order = 102,
      description = "The federation; the asking node must be one of its admins.")
  String federation;

  FederationId federationId() {
    return FederationId.newBuilder().setName(federation).build();
  }

  /** Makes the call as one PeerCall (bad config or refusal: exit 1 with one line; bad target: exit 2). */
  <T> T call(CommandSpec spec, Function<AdminGrpc.AdminBlockingStub, T> rpc) throws Exception {
    return PeerCall.run(spec, config, target, channel -> rpc.apply(AdminGrpc.newBlockingStub(channel)));
  }
}
