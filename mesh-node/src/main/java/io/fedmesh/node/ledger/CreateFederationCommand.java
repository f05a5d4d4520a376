package io.fedmesh.node.ledger;

import io.fedmesh.coordinator.ledger.LedgerRecords;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.PrepareGenesisRequest;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.Role;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fedmesh federation create}: the genesis of a federation ledger. */
@Command(name = "create", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Creates federation NAME: its ledger's genesis, signed here with the identity key of the node --config "
        + "describes (which must be one of --admins), committed by a new Raft group of the --coordinators. The node at "
        + "--target must be one of the coordinators; every named node must be up and known on the mesh (its identity key "
        + "and, for coordinators, its Raft endpoint come from its gossip), and every coordinator needs a 'raft:' section. "
        + "From then on membership, roles, the budget and M change only by proposals M admins approve (fedmesh member, "
        + "fedmesh proposal). See docs/ledger.md.", ""})
public final class CreateFederationCommand implements Callable<Integer> {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The federation: 1-63 of [a-z0-9-], starting with a letter or digit.")
  String name;

  @Option(names = "--coordinators", required = true, split = ",", paramLabel = "ID",
      description = "Coordinator-eligible nodes (node ids): they form the federation's Raft group; its leader coordinates.")
  List<String> coordinators;

  @Option(names = "--admins", required = true, split = ",", paramLabel = "ID", description = "Admins (node ids): they govern the federation.")
  List<String> admins;

  @Option(names = "--participants", split = ",", paramLabel = "ID", description = "Participants (node ids) admitted at genesis.")
  List<String> participants = List.of();

  @Option(names = "--approvals", paramLabel = "M", description = "Admin approvals a proposal needs (default: a majority of the admins).")
  int approvals;

  @Option(names = "--epsilon", paramLabel = "E", description = "Privacy budget: total epsilon rounds may spend (default 0: no DP budget).")
  double epsilon;

  @Option(names = "--delta", paramLabel = "D", description = "The budget's delta (required with --epsilon).")
  double delta;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The creating admin's node config (its identity).")
  java.nio.file.Path config;

  @Option(names = "--target", required = true, paramLabel = "HOST:PORT", description = "One of the coordinators.")
  String target;

  @Override
  public Integer call() throws Exception {
    if (!NAME.matcher(name).matches()) {
      throw new ParameterException(spec.commandLine(), "NAME must be 1-63 of [a-z0-9-], starting with a letter or digit: '" + name + "'");
    }
    if (approvals < 0 || approvals > admins.size()) {
      throw new ParameterException(spec.commandLine(), "--approvals must be 1 to the number of admins (" + admins.size() + ")");
    }
    if (!(epsilon >= 0) || epsilon > 0 && !(delta > 0 && delta < 0.1)) {
      throw new ParameterException(spec.commandLine(), "--epsilon must be >= 0, and with it --delta in (0, 0.1)");
    }
    Map<NodeId, Set<Role>> asked = new TreeMap<>();
    PrepareGenesisRequest.Builder request = PrepareGenesisRequest.newBuilder().setFederation(FederationId.newBuilder().setName(name))
        .setApprovalsRequired(approvals).setBudget(PrivacyBudget.newBuilder().setEpsilon(epsilon).setDelta(epsilon > 0 ? delta : 0));
    for (String c : coordinators) {
      NodeId id = LedgerTarget.nodeId(spec, c, "--coordinators");
      asked.computeIfAbsent(id, k -> EnumSet.noneOf(Role.class)).add(Role.ROLE_COORDINATOR_ELIGIBLE);
      request.addCoordinators(LedgerActs.toProto(id));
    }
    for (String a : admins) {
      NodeId id = LedgerTarget.nodeId(spec, a, "--admins");
      asked.computeIfAbsent(id, k -> EnumSet.noneOf(Role.class)).add(Role.ROLE_ADMIN);
      request.addAdmins(LedgerActs.toProto(id));
    }
    for (String p : participants) {
      NodeId id = LedgerTarget.nodeId(spec, p, "--participants");
      asked.computeIfAbsent(id, k -> EnumSet.noneOf(Role.class)).add(Role.ROLE_PARTICIPANT);
      request.addParticipants(LedgerActs.toProto(id));
    }
    LedgerTarget node = LedgerTarget.of(config, target, name);
    SigningKey key = node.key(spec);
    if (!asked.getOrDefault(key.verifyingKey().nodeId(), Set.of()).contains(Role.ROLE_ADMIN)) {
      throw new ParameterException(spec.commandLine(), "the node --config describes (" + key.verifyingKey().nodeId().hex()
          + ") signs the genesis, so it must be one of --admins");
    }
    LedgerReply reply = node.call(spec, ledger -> {
      LedgerAct prepared = ledger.prepareGenesis(request.build());
      // The target filled in keys and Raft endpoints: check it named exactly the members and roles asked for.
      Map<NodeId, Set<Role>> got = new TreeMap<>();
      for (LedgerMember m : prepared.getGenesis().getMembersList()) {
        got.put(NodeId.ofBytes(m.getNode().getSha256().toByteArray()), EnumSet.copyOf(m.getRolesList()));
      }
      if (!got.equals(asked) || !prepared.getFederation().getName().equals(name)) {
        throw new IllegalStateException("the target prepared a genesis with other members or roles than asked; nothing signed");
      }
      return ledger.createFederation(LedgerActs.sign(prepared.toBuilder().setTimeMillis(System.currentTimeMillis()), key));
    });
    PrintWriter out = spec.commandLine().getOut();
    out.println("federation " + name + " created: genesis is record " + reply.getSequence() + " ("
        + LedgerRecords.hex(reply.getRecordHash()) + "), " + asked.size() + " member(s)");
    return 0;
  }
}
