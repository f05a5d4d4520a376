package io.fedmesh.node.server;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.MeshMember;
import io.fedmesh.proto.v1.MeshRequest;
import io.fedmesh.proto.v1.MeshResponse;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.Role;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh members}: who a node sees alive, suspect or dead, and their roles in a federation (an admin call). */
@Command(name = "members", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Asks the node at --target for the mesh membership it sees (SWIM: alive, suspect, dead) and each "
        + "member's roles in --federation, as the node in --config, which must be an admin of that federation.", ""})
public final class MembersCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The asking node's config (its identity).")
  Path config;

  @Option(names = "--target", required = true, paramLabel = "HOST:PORT", description = "The node to ask.")
  String target;

  @Option(names = "--federation", required = true, paramLabel = "NAME", description = "The federation whose roles to show.")
  String federation;

  @Option(names = "--json", description = "One JSON object: {\"members\": [{\"node\", \"state\", \"incarnation\", \"address\", \"via\", \"roles\"}]}; via: the relay of a node behind a firewall, else null.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    MeshResponse mesh = PeerCall.run(spec, config, target, channel -> NodeGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .mesh(MeshRequest.newBuilder().setFederation(FederationId.newBuilder().setName(federation)).build()));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(mesh.getMembersList().stream().map(MembersCommand::json).collect(Collectors.joining(", ", "{\"members\": [", "]}")));
    } else {
      for (MeshMember m : mesh.getMembersList()) {
        out.printf(Locale.ROOT, "%s  %-7s  incarnation %d  %s  %s%n", hex(m), m.getState(), m.getIncarnation(),
            !m.getAddress().isEmpty() ? m.getAddress() : m.hasVia() ? "via " + NodeId.ofBytes(m.getVia().getSha256().toByteArray()).shortForm() : "-",
            m.getRolesCount() == 0 ? "(not in " + federation + ")" : roles(m));
      }
    }
    return 0;
  }

  private static String hex(MeshMember m) {
    return NodeId.ofBytes(m.getNode().getSha256().toByteArray()).hex();
  }

  private static String roles(MeshMember m) {
    return m.getRolesList().stream().map(MembersCommand::role).collect(Collectors.joining(", "));
  }

  private static String role(Role r) {
    return r.name().substring("ROLE_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String json(MeshMember m) {
    return String.format(Locale.ROOT, "{\"node\": \"%s\", \"state\": \"%s\", \"incarnation\": %d, \"address\": \"%s\", \"via\": %s, \"roles\": [%s]}",
        hex(m), m.getState(), m.getIncarnation(), m.getAddress().replace("\\", "\\\\").replace("\"", "\\\""),
        m.hasVia() ? "\"" + NodeId.ofBytes(m.getVia().getSha256().toByteArray()).hex() + "\"" : "null",
        m.getRolesList().stream().map(r -> "\"" + role(r) + "\"").collect(Collectors.joining(", ")));
  }
}
