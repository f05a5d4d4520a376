package io.fedmesh.node.ledger;

import io.fedmesh.coordinator.ledger.LedgerRecords;
import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.admin.AdminJson;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerRequest;
import io.fedmesh.proto.v1.ListProposalsResponse;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.ProposalInfo;
import io.fedmesh.proto.v1.ProposalVote;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fedmesh proposal}: a federation's governance proposals and the admins' votes. */
@Command(name = "proposal", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"Lists, approves and rejects a federation's proposals, and proposes budget and approval-threshold "
        + "changes. Votes and proposals are signed here by the admin --config describes. A proposal commits once M "
        + "admins approved it, and is rejected once so many reject it that M approvals are out of reach.", ""},
    subcommands = {ProposalCommand.ListProposals.class, ProposalCommand.Vote.Approve.class, ProposalCommand.Vote.Reject.class,
        ProposalCommand.Budget.class, ProposalCommand.Approvals.class})
public final class ProposalCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh proposal --help')");
  }

  static ListProposalsResponse list(CommandSpec spec, LedgerTarget target) throws Exception {
    return target.call(spec, ledger -> ledger.listProposals(LedgerRequest.newBuilder().setFederation(target.federationId()).build()));
  }

  /** Signs and submits {@code proposal}, then prints where it stands. */
  static void propose(CommandSpec spec, LedgerTarget target, Proposal.Builder proposal) throws Exception {
    printRecorded(spec, target, target.signAndSubmit(spec, LedgerAct.newBuilder().setProposal(proposal)));
  }

  /** Prints where the proposal a reply names stands now. */
  static void printRecorded(CommandSpec spec, LedgerTarget target, LedgerReply reply) throws Exception {
    ListProposalsResponse all = list(spec, target);
    PrintWriter out = spec.commandLine().getOut();
    ProposalInfo p = all.getProposalsList().stream().filter(i -> i.getId().equals(reply.getRecordHash())).findFirst().orElse(null);
    if (p == null) {
      out.println("recorded as record " + reply.getSequence());
      return;
    }
    out.println("proposal " + LedgerRecords.hex(p.getId()).substring(0, 16) + " recorded (record " + p.getSequence() + "): "
        + status(p, all.getApprovalsRequired()));
  }

  static String status(ProposalInfo p, int required) {
    return p.getOutcome() + ", " + p.getApprovalsCount() + " of " + required + " approvals, " + p.getRejectionsCount()
        + " rejections" + (p.getNote().isEmpty() ? "" : " (" + p.getNote() + ")");
  }

  static String describe(Proposal p) {
    return switch (p.getChangeCase()) {
      case ADD_MEMBER -> "add " + node(p.getAddMember().getNode()) + " as " + roles(p.getAddMember().getRolesList());
      case REMOVE_MEMBER -> "remove " + node(p.getRemoveMember());
      case SET_ROLES -> "set roles of " + node(p.getSetRoles().getNode()) + " to " + roles(p.getSetRoles().getRolesList());
      case APPROVALS_REQUIRED -> "require " + p.getApprovalsRequired() + " approvals";
      case BUDGET -> "set the privacy budget to epsilon " + p.getBudget().getEpsilon() + ", delta " + p.getBudget().getDelta();
      case CHANGE_NOT_SET -> "(nothing)";
    };
  }

  private static String node(io.fedmesh.proto.v1.NodeId id) {
    return NodeId.ofBytes(id.getSha256().toByteArray()).hex();
  }

  private static String roles(List<io.fedmesh.proto.v1.Role> roles) {
    return roles.stream().map(AdminJson::role).collect(Collectors.joining(","));
  }

  /** {@code fedmesh proposal list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Every proposal of --federation, oldest first: its id, what it changes, its votes and outcome.", ""})
  public static final class ListProposals implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LedgerTarget target;

    @Option(names = "--json", description = "One JSON object: {\"approvals_required\", \"proposals\": [{\"id\", \"sequence\", "
        + "\"proposer\", \"change\", \"reason\", \"approvals\", \"rejections\", \"outcome\", \"note\"}]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ListProposalsResponse all = list(spec, target);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println("{\"approvals_required\": " + all.getApprovalsRequired() + ", \"proposals\": [" + all.getProposalsList().stream()
            .map(p -> "{\"id\": " + AdminJson.string(LedgerRecords.hex(p.getId())) + ", \"sequence\": " + p.getSequence()
                + ", \"proposer\": " + AdminJson.string(node(p.getProposer())) + ", \"change\": " + AdminJson.string(describe(p.getProposal()))
                + ", \"reason\": " + AdminJson.string(p.getProposal().getReason()) + ", \"approvals\": [" + p.getApprovalsList().stream()
                .map(a -> AdminJson.string(node(a))).collect(Collectors.joining(", ")) + "], \"rejections\": ["
                + p.getRejectionsList().stream().map(a -> AdminJson.string(node(a))).collect(Collectors.joining(", "))
                + "], \"outcome\": " + AdminJson.string(p.getOutcome()) + ", \"note\": " + AdminJson.string(p.getNote()) + "}")
            .collect(Collectors.joining(", ")) + "]}");
        return 0;
      }
      if (all.getProposalsCount() == 0) {
        out.println("no proposals in " + target.federation);
      }
      for (ProposalInfo p : all.getProposalsList()) {
        out.println(LedgerRecords.hex(p.getId()).substring(0, 16) + "  " + describe(p.getProposal()) + "  ["
            + status(p, all.getApprovalsRequired()) + "]" + (p.getProposal().getReason().isEmpty() ? "" : "  \"" + p.getProposal().getReason() + "\""));
      }
      return 0;
    }
  }

  /** {@code fedmesh proposal approve|reject ID}. */
  abstract static class Vote implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The proposal: its id as 'fedmesh proposal list' shows it (a unique prefix will do).")
    String id;

    @Mixin
    LedgerTarget target;

    abstract boolean approve();

    @Override
    public Integer call() throws Exception {
      String prefix = id.toLowerCase(Locale.ROOT);
      if (!prefix.matches("[0-9a-f]{4,64}")) {
        throw new ParameterException(spec.commandLine(), "ID must be 4 to 64 hex digits, got '" + id + "'");
      }
      List<ProposalInfo> matching = list(spec, target).getProposalsList().stream()
          .filter(p -> LedgerRecords.hex(p.getId()).startsWith(prefix)).toList();
      if (matching.size() != 1) {
        throw new IllegalStateException(matching.isEmpty() ? "no proposal " + prefix + " in " + target.federation
            : "proposal id " + prefix + " is ambiguous: give more digits");
      }
      ByteString proposal = matching.get(0).getId();
      target.signAndSubmit(spec, LedgerAct.newBuilder().setVote(ProposalVote.newBuilder().setProposal(proposal).setApprove(approve())));
      ListProposalsResponse all = list(spec, target);
      ProposalInfo now = all.getProposalsList().stream().filter(p -> p.getId().equals(proposal)).findFirst().orElseThrow();
      spec.commandLine().getOut().println("proposal " + LedgerRecords.hex(proposal).substring(0, 16) + ": "
          + status(now, all.getApprovalsRequired()));
      return 0;
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
        description = {"Approves an open proposal, signed by the admin --config describes.", ""})
    public static final class Approve extends Vote {
      @Override
      boolean approve() {
        return true;
      }
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
        description = {"Rejects an open proposal, signed by the admin --config describes.", ""})
    public static final class Reject extends Vote {
      @Override
      boolean approve() {
        return false;
      }
    }
  }

  /** {@code fedmesh proposal budget}. */
  @Command(name = "budget", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Proposes a new privacy budget for --federation (never below what is already spent).", ""})
  public static final class Budget implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--epsilon", required = true, paramLabel = "E", description = "Total epsilon; 0: no budget (only before any is spent).")
    double epsilon;

    @Option(names = "--delta", paramLabel = "D", description = "Its delta, in (0, 0.1) when epsilon > 0.")
    double delta;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the other admins.")
    String reason = "";

    @Mixin
    LedgerTarget target;

    @Override
    public Integer call() throws Exception {
      propose(spec, target, Proposal.newBuilder().setReason(reason)
          .setBudget(PrivacyBudget.newBuilder().setEpsilon(epsilon).setDelta(delta)));
      return 0;
    }
  }

  /** {@code fedmesh proposal approvals}. */
  @Command(name = "approvals", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Proposes a new number M of admin approvals a proposal needs (1 to the number of admins).", ""})
  public static final class Approvals implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "M", description = "Approvals required.")
    int required;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the other admins.")
    String reason = "";

    @Mixin
    LedgerTarget target;

    @Override
    public Integer call() throws Exception {
      propose(spec, target, Proposal.newBuilder().setReason(reason).setApprovalsRequired(required));
      return 0;
    }
  }
}
