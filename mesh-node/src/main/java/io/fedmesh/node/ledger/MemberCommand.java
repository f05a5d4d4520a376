package io.fedmesh.node.ledger;

import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LookUpMemberRequest;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.Role;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fedmesh member propose}: proposals that change a federation's membership. */
@Command(name = "member", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"Proposes a membership change in a federation's ledger. The proposal is signed here by the admin "
        + "--config describes (counting as its approval) and commits once M of the federation's admins approved it "
        + "('fedmesh proposal approve'). See docs/ledger.md.", ""},
    subcommands = MemberCommand.Propose.class)
public final class MemberCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh member --help')");
  }

  /** {@code fedmesh member propose add|remove|roles}. */
  @Command(name = "propose", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"add ID --roles R,...: admit a node (it must be up on the mesh: its identity key and Raft endpoint "
          + "come from its gossip). remove ID: remove a member. roles ID --roles R,...: change a member's roles. "
          + "Roles: participant, coordinator-eligible, admin.", ""})
  public static final class Propose implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHANGE", description = "add, remove or roles.")
    String change;

    @Parameters(index = "1", paramLabel = "ID", description = "The node id (64 hex digits).")
    String node;

    @Option(names = "--roles", split = ",", paramLabel = "ROLE", description = "With add and roles: the member's roles.")
    List<String> roles = List.of();

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the other admins (up to 500 characters).")
    String reason = "";

    @Mixin
    LedgerTarget target;

    @Override
    public Integer call() throws Exception {
      NodeId id = LedgerTarget.nodeId(spec, node, "ID");
      Proposal.Builder p = Proposal.newBuilder().setReason(reason);
      switch (change) {
        case "add", "roles" -> {
          TreeSet<Role> wanted = roles(spec, roles);
          LedgerMember m = target.call(spec, ledger -> ledger.lookUpMember(LookUpMemberRequest.newBuilder()
              .setFederation(target.federationId()).setNode(LedgerActs.toProto(id)).addAllRoles(wanted).build()));
          if (change.equals("add")) {
            p.setAddMember(m);
          } else {
            p.setSetRoles(m);
          }
        }
        case "remove" -> p.setRemoveMember(LedgerActs.toProto(id));
        default -> throw new ParameterException(spec.commandLine(), "CHANGE must be add, remove or roles, got '" + change + "'");
      }
      ProposalCommand.propose(spec, target, p);
      return 0;
    }
  }

  static TreeSet<Role> roles(CommandSpec spec, List<String> names) {
    if (names.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--roles is required: participant, coordinator-eligible and/or admin");
    }
    TreeSet<Role> out = new TreeSet<>();
    for (String n : names) {
      try {
        out.add(Role.valueOf("ROLE_" + n.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "unknown role '" + n + "' (participant, coordinator-eligible, admin)");
      }
    }
    out.remove(Role.ROLE_UNSPECIFIED);
    return out;
  }
}
