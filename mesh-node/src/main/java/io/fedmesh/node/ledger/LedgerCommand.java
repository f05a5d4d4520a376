package io.fedmesh.node.ledger;

import io.fedmesh.coordinator.ledger.LedgerRecords;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.admin.AdminJson;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerRequest;
import io.fedmesh.proto.v1.Member;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh ledger}: a federation ledger's state as a node that holds it applied it. */
@Command(name = "ledger", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"A federation ledger as the node at --target (coordinator-eligible) applied it.", ""},
    subcommands = LedgerCommand.Head.class)
public final class LedgerCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh ledger --help')");
  }

  /** {@code fedmesh ledger head}. */
  @Command(name = "head", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"The chain head, the coordinator and its term, the last round and model, the members, the approvals "
          + "required, and the privacy budget and what is spent of it.", ""})
  public static final class Head implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LedgerTarget target;

    @Option(names = "--json", description = "One JSON object: {\"federation\", \"sequence\", \"hash\", \"term\", \"leader\", "
        + "\"last_round\", \"model_sha256\", \"approvals_required\", \"epsilon\", \"delta\", \"epsilon_spent\", \"members\": [{\"node\", \"roles\"}]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      LedgerHead h = target.call(spec, ledger -> ledger.head(LedgerRequest.newBuilder().setFederation(target.federationId()).build()));
      String leader = h.hasLeader() ? NodeId.ofBytes(h.getLeader().getSha256().toByteArray()).hex() : "";
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println("{\"federation\": " + AdminJson.string(target.federation) + ", \"sequence\": " + h.getSequence()
            + ", \"hash\": " + AdminJson.string(LedgerRecords.hex(h.getHash())) + ", \"term\": " + h.getTerm()
            + ", \"leader\": " + (leader.isEmpty() ? "null" : AdminJson.string(leader)) + ", \"last_round\": " + h.getLastRound()
            + ", \"model_sha256\": " + AdminJson.string(h.getModelSha256()) + ", \"approvals_required\": " + h.getApprovalsRequired()
            + ", \"epsilon\": " + h.getBudget().getEpsilon() + ", \"delta\": " + h.getBudget().getDelta()
            + ", \"epsilon_spent\": " + h.getEpsilonSpent() + ", \"members\": [" + h.getMembersList().stream()
            .map(m -> "{\"node\": " + AdminJson.string(AdminJson.hex(m)) + ", \"roles\": [" + m.getRolesList().stream()
                .map(r -> AdminJson.string(AdminJson.role(r))).collect(Collectors.joining(", ")) + "]}")
            .collect(Collectors.joining(", ")) + "]}");
        return 0;
      }
      out.println("federation " + target.federation + ": " + h.getSequence() + " record(s), head "
          + (h.getSequence() == 0 ? "-" : LedgerRecords.hex(h.getHash()).substring(0, 16)));
      out.println("coordinator   " + (leader.isEmpty() ? "none announced" : leader + " (term " + h.getTerm() + ")"));
      out.println("last round    " + h.getLastRound() + (h.getModelSha256().isEmpty() ? "" : ", model " + h.getModelSha256()));
      out.println("approvals     " + h.getApprovalsRequired() + " admin(s) must approve a proposal");
      out.println("budget        " + (h.getBudget().getEpsilon() == 0 ? "none" : "epsilon " + h.getBudget().getEpsilon()
          + " at delta " + h.getBudget().getDelta() + ", spent " + h.getEpsilonSpent()));
      out.println("members:");
      for (Member m : h.getMembersList()) {
        out.println("  " + AdminJson.hex(m) + "  " + m.getRolesList().stream().map(AdminJson::role).collect(Collectors.joining(", ")));
      }
      return 0;
    }
  }
}
