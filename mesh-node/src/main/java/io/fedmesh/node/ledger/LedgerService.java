package io.fedmesh.node.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.coordinator.ledger.LedgerRecords;
import io.fedmesh.coordinator.ledger.LedgerRefusal;
import io.fedmesh.coordinator.ledger.ProposalStatus;
import io.fedmesh.coordinator.ledger.UnmaskEndorsements;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.node.security.CallerIdentity;
import io.fedmesh.proto.v1.EndorseRequest;
import io.fedmesh.proto.v1.ExportAuditRequest;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.JoinFederationResponse;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerRequest;
import io.fedmesh.proto.v1.ListProposalsResponse;
import io.fedmesh.proto.v1.LookUpMemberRequest;
import io.fedmesh.proto.v1.Member;
import io.fedmesh.proto.v1.PrepareGenesisRequest;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.ProposalInfo;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.UnmaskEndorsement;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The Ledger gRPC service (ledger_service.proto): bootstraps a federation's Raft group from a signed
 * genesis, passes admins' signed proposals and votes to the group, and reads the ledger for the CLI.
 * The node never signs for an admin: acts arrive signed by the CLI, and the ledger checks them.
 */
public final class LedgerService extends LedgerGrpc.LedgerImplBase {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final long SUBMIT_SECONDS = 20;

  /** What the mesh says about a node: its identity key and Raft endpoint, from its ALIVE news. */
  public interface Announcements {
    Optional<VerifyingKey> identityKey(NodeId node);

    Optional<String> raftAddress(NodeId node);
  }

  private final NodeLedgers ledgers;
  private final Announcements announced;
  private final LedgerMetrics metrics;
  private final Function<String, Map<NodeId, Set<Role>>> bootstrap;

  /**
   * @param bootstrap a federation's members and roles as this node's config states them (null if it
   *     names no such federation): a genesis must agree with them
   */
  public LedgerService(NodeLedgers ledgers, Announcements announced, LedgerMetrics metrics,
      Function<String, Map<NodeId, Set<Role>>> bootstrap) {
    this.bootstrap = bootstrap;
    this.ledgers = ledgers;
    this.announced = announced;
    this.metrics = metrics;
  }

  // ---- bootstrap ----

  @Override
  public void prepareGenesis(PrepareGenesisRequest request, StreamObserver<LedgerAct> response) {
    run("PrepareGenesis", response, () -> {
      String name = name(request.getFederation());
      if (ledgers.holds(name)) {
        throw refusal(Status.ALREADY_EXISTS, "this node holds a ledger of federation '" + name + "' already");
      }
      if (request.getCoordinatorsCount() == 0 || request.getAdminsCount() == 0) {
        throw refusal(Status.INVALID_ARGUMENT, "a federation needs at least one coordinator and one admin");
      }
      TreeMap<NodeId, Set<Role>> roles = new TreeMap<>();
      addRoles(roles, request.getCoordinatorsList(), Role.ROLE_COORDINATOR_ELIGIBLE);
      addRoles(roles, request.getAdminsList(), Role.ROLE_ADMIN);
      addRoles(roles, request.getParticipantsList(), Role.ROLE_PARTICIPANT);
      Genesis.Builder g = Genesis.newBuilder();
      for (Map.Entry<NodeId, Set<Role>> e : roles.entrySet()) {
        g.addMembers(member(e.getKey(), e.getValue()));
      }
      int admins = request.getAdminsCount();
      int m = request.getApprovalsRequired() == 0 ? admins / 2 + 1 : request.getApprovalsRequired();
      g.setApprovalsRequired(m).setBudget(request.getBudget());
      return LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(name)).setGenesis(g).build();
    });
  }

  private static void addRoles(TreeMap<NodeId, Set<Role>> roles, List<io.fedmesh.proto.v1.NodeId> nodes, Role role)
      throws StatusException {
    for (io.fedmesh.proto.v1.NodeId n : nodes) {
      if (n.getSha256().size() != NodeId.BYTES) {
        throw refusal(Status.INVALID_ARGUMENT, "a node id is not 32 bytes");
      }
      roles.computeIfAbsent(NodeId.ofBytes(n.getSha256().toByteArray()), k -> EnumSet.noneOf(Role.class)).add(role);
    }
  }

  /** A member with the identity key and Raft endpoint the mesh announced for it. */
  private LedgerMember member(NodeId node, Set<Role> roles) throws StatusException {
    VerifyingKey key = announced.identityKey(node).orElseThrow(() -> refusal(Status.FAILED_PRECONDITION,
        "node " + node.hex() + " is not known on the mesh (no admitted ALIVE news): start it and let it join first"));
    LedgerMember.Builder m = LedgerMember.newBuilder().setNode(LedgerActs.toProto(node))
        .setIdentityKey(ByteString.copyFrom(key.subjectPublicKeyInfo()));
    roles.stream().sorted().forEach(m::addRoles);
    if (roles.contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
      m.setRaftAddress(announced.raftAddress(node).orElseThrow(() -> refusal(Status.FAILED_PRECONDITION,
          "node " + node.hex() + " announces no Raft endpoint: a coordinator-eligible node needs 'raft: {listen: ...}' in its config")));
    }
    return m.build();
  }

  @Override
  public void createFederation(LedgerAct genesis, StreamObserver<LedgerReply> response) {
    run("CreateFederation", response, () -> {
      String name = checkGenesis(genesis);
      if (!isCoordinator(genesis, ledgers.self())) {
        throw refusal(Status.FAILED_PRECONDITION, "this node is not coordinator-eligible in the genesis: send it to one that is");
      }
      List<String> unreachable = new ArrayList<>();
      for (LedgerMember m : genesis.getGenesis().getMembersList()) {
        NodeId node = NodeId.ofBytes(m.getNode().getSha256().toByteArray());
        if (node.equals(ledgers.self()) || !m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
          continue;
        }
        Optional<NodeLedgers.Peer> peer = ledgers.peer(node);
        try {
          if (peer.isEmpty()) {
            throw new IllegalStateException("no address known");
          }
          LedgerGrpc.newBlockingStub(ledgers.channel(peer.get().address())).withDeadlineAfter(10, TimeUnit.SECONDS)
              .joinFederation(genesis);
        } catch (RuntimeException e) {
          unreachable.add(node.shortForm() + " (" + (e instanceof StatusRuntimeException s ? s.getStatus().getCode() + ": "
              + s.getStatus().getDescription() : e.getMessage()) + ")");
        }
      }
      if (!unreachable.isEmpty()) {
        throw refusal(Status.UNAVAILABLE, "coordinator(s) did not join the federation's Raft group: " + String.join(", ", unreachable)
            + "; nothing was committed, try again");
      }
      host(name, genesis);
      return await(name, genesis, true);
    });
  }

  @Override
  public void joinFederation(LedgerAct genesis, StreamObserver<JoinFederationResponse> response) {
    run("JoinFederation", response, () -> {
      String name = checkGenesis(genesis);
      LedgerMember self = genesis.getGenesis().getMembersList().stream()
          .filter(m -> m.getNode().getSha256().equals(ByteString.copyFrom(ledgers.self().toBytes()))).findFirst()
          .orElseThrow(() -> refusal(Status.FAILED_PRECONDITION, "the genesis does not name this node"));
      if (!self.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        throw refusal(Status.FAILED_PRECONDITION, "the genesis does not make this node coordinator-eligible");
      }
      host(name, genesis);
      return JoinFederationResponse.newBuilder().setNode(LedgerActs.toProto(ledgers.self())).build();
    });
  }

  /** The federation a well-formed, correctly signed genesis creates. */
  private String checkGenesis(LedgerAct genesis) throws StatusException {
    if (genesis.getBodyCase() != LedgerAct.BodyCase.GENESIS) {
      throw refusal(Status.INVALID_ARGUMENT, "not a genesis act");
    }
    String name = name(genesis.getFederation());
    if (ledgers.raft().isEmpty()) {
      throw refusal(Status.FAILED_PRECONDITION, "this node runs no Raft endpoint (no 'raft:' section in its config)");
    }
    LedgerReply check = new FederationLedger(name).apply(0, genesis);
    if (!check.getAccepted()) {
      throw refusal(Status.INVALID_ARGUMENT, "the genesis is not valid: " + check.getReason());
    }
    // Only the admins the operator configured may found the ledger of a federation, and only with the
    // coordinators configured: otherwise anyone with a certificate could take over a federation's name.
    Map<NodeId, Set<Role>> configured = bootstrap.apply(name);
    if (configured == null) {
      throw refusal(Status.FAILED_PRECONDITION, "this node's config names no federation '" + name
          + "': add it (its bootstrap members) to the config of every coordinator before creating its ledger");
    }
    Optional<String> disagreement = GenesisCheck.against(name, genesis, configured);
    if (disagreement.isPresent()) {
      throw refusal(Status.PERMISSION_DENIED, disagreement.get());
    }
    // Raft endpoints: each coordinator-eligible member's must be the one that node announced itself, in
    // its own signed gossip news. Otherwise one admin's genesis could point a group at an address of its
    // choosing, and the first genesis a node hosts fixes the group's endpoints for good.
    for (LedgerMember m : genesis.getGenesis().getMembersList()) {
      if (!m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        continue;
      }
      NodeId node = NodeId.ofBytes(m.getNode().getSha256().toByteArray());
      Optional<String> own = announced.raftAddress(node);
      if (node.equals(ledgers.self())) {
        String listening = own.orElse("");
        if (!m.getRaftAddress().equals(listening)) {
          throw refusal(Status.FAILED_PRECONDITION, "the genesis names Raft endpoint " + m.getRaftAddress()
              + " for this node, which listens at '" + listening + "'");
        }
      } else if (own.isEmpty()) {
        throw refusal(Status.FAILED_PRECONDITION, "coordinator " + node.hex() + " has not announced its Raft endpoint on the mesh "
            + "yet (gossip): try again once it has");
      } else if (!m.getRaftAddress().equals(own.get())) {
        throw refusal(Status.FAILED_PRECONDITION, "the genesis names Raft endpoint " + m.getRaftAddress() + " for "
            + node.hex() + ", which announced " + own.get());
      }
    }
    return name;
  }

  private static boolean isCoordinator(LedgerAct genesis, NodeId node) {
    ByteString id = ByteString.copyFrom(node.toBytes());
    return genesis.getGenesis().getMembersList().stream()
        .anyMatch(m -> m.getNode().getSha256().equals(id) && m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE));
  }

  private void host(String name, LedgerAct genesis) throws StatusException {
    try {
      ledgers.host(name, genesis.getGenesis().getMembersList());
    } catch (java.io.IOException | RuntimeException e) {
      throw refusal(Status.INTERNAL, "cannot host the federation's Raft group: " + e.getMessage());
    }
  }

  // ---- governance ----

  @Override
  public void submit(LedgerAct act, StreamObserver<LedgerReply> response) {
    run("Submit", response, () -> {
      String name = held(act.getFederation());
      if (act.getBodyCase() != LedgerAct.BodyCase.PROPOSAL && act.getBodyCase() != LedgerAct.BodyCase.VOTE) {
        throw refusal(Status.INVALID_ARGUMENT, "only proposals and votes are submitted from outside; got " + act.getBodyCase());
      }
      if (!act.getAuthor().getSha256().equals(ByteString.copyFrom(CallerIdentity.current().toBytes()))) {
        throw refusal(Status.PERMISSION_DENIED, "an act is submitted by its own author");
      }
      return await(name, act, false);
    });
  }

  /** Commits {@code act} and waits for the ledger's answer; a refusal is FAILED_PRECONDITION with the ledger's reason. */
  private LedgerReply await(String name, LedgerAct act, boolean genesis) throws StatusException {
    LedgerReply reply;
    try {
      reply = ledgers.submit(name, act).get(SUBMIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw refusal(Status.CANCELLED, "interrupted");
    } catch (ExecutionException | TimeoutException e) {
      throw refusal(Status.UNAVAILABLE, "the federation's Raft group did not commit the act within " + SUBMIT_SECONDS + " s"
          + (genesis ? " (are its coordinators up?)" : " (no leader?)") + ": " + String.valueOf(e.getCause() == null ? e : e.getCause()));
    }
    if (!reply.getAccepted()) {
      throw refusal(Status.FAILED_PRECONDITION, "the ledger refused it: " + reply.getReason());
    }
    return reply;
  }

  @Override
  public void head(LedgerRequest request, StreamObserver<LedgerHead> response) {
    run("Head", response, () -> {
      String name = held(request.getFederation());
      return ledgers.read(name, LedgerService::head).orElseThrow();
    });
  }

  static LedgerHead head(FederationLedger l) {
    LedgerHead.Builder h = LedgerHead.newBuilder().setSequence(l.headSequence()).setTerm(l.term()).setLastRound(l.lastRound())
        .setApprovalsRequired(l.approvalsRequired()).setBudget(l.budget());
    if (l.headSequence() > 0) {
      h.setHash(l.headHash());
    }
    l.leader().ifPresent(n -> h.setLeader(LedgerActs.toProto(n)));
    l.lastModel().ifPresent(m -> h.setModelSha256(HexFormat.of().formatHex(m.getSha256().toByteArray())));
    l.members().forEach((n, m) -> h.addMembers(Member.newBuilder().setNode(m.getNode()).addAllRoles(m.getRolesList())));
    h.setEpsilonSpent(io.fedmesh.coordinator.ledger.PrivacyCharges.epsilonSpent(l.spent(), l.budget().getDelta()));
    return h.build();
  }

  @Override
  public void lookUpMember(LookUpMemberRequest request, StreamObserver<LedgerMember> response) {
    run("LookUpMember", response, () -> {
      held(request.getFederation());
      if (request.getNode().getSha256().size() != NodeId.BYTES) {
        throw refusal(Status.INVALID_ARGUMENT, "node is not a 32-byte id");
      }
      Set<Role> roles = EnumSet.noneOf(Role.class);
      for (Role r : request.getRolesList()) {
        if (r == Role.ROLE_UNSPECIFIED || r == Role.UNRECOGNIZED) {
          throw refusal(Status.INVALID_ARGUMENT, "unknown role");
        }
        roles.add(r);
      }
      if (roles.isEmpty()) {
        throw refusal(Status.INVALID_ARGUMENT, "name at least one role");
      }
      return member(NodeId.ofBytes(request.getNode().getSha256().toByteArray()), roles);
    });
  }

  @Override
  public void listProposals(LedgerRequest request, StreamObserver<ListProposalsResponse> response) {
    run("ListProposals", response, () -> {
      String name = held(request.getFederation());
      return ledgers.read(name, l -> {
        ListProposalsResponse.Builder out = ListProposalsResponse.newBuilder().setApprovalsRequired(l.approvalsRequired());
        for (ProposalStatus p : l.proposals()) {
          ProposalInfo.Builder info = ProposalInfo.newBuilder().setId(p.id()).setSequence(p.sequence()).setProposer(LedgerActs.toProto(p.proposer()))
              .setProposal(p.proposal()).setOutcome(p.outcome().name().toLowerCase(Locale.ROOT)).setNote(p.note());
          p.approvals().forEach(a -> info.addApprovals(LedgerActs.toProto(a)));
          p.rejections().forEach(r -> info.addRejections(LedgerActs.toProto(r)));
          out.addProposals(info);
        }
        return out.build();
      }).orElseThrow();
    });
  }

  @Override
  public void exportAudit(ExportAuditRequest request, StreamObserver<LedgerRecord> response) {
    String name;
    List<LedgerRecord> records;
    try {
      name = held(request.getFederation());
      long from = Math.max(1, request.getFrom());
      records = ledgers.read(name, l -> List.copyOf(l.records().subList((int) Math.min(from - 1, l.records().size()),
          l.records().size()))).orElseThrow();
    } catch (StatusException e) {
      metrics.refused("ExportAudit", e.getStatus().getCode().name().toLowerCase(Locale.ROOT));
      response.onError(e);
      return;
    }
    records.forEach(response::onNext);
    response.onCompleted();
  }

  @Override
  public void endorse(EndorseRequest request, StreamObserver<UnmaskEndorsement> response) {
    run("Endorse", response, () -> {
      String name = held(request.getFederation());
      try {
        return ledgers.read(name, l -> UnmaskEndorsements.endorse(l, request.getRound(), ledgers.key())).orElseThrow();
      } catch (LedgerRefusal e) {
        throw refusal(Status.FAILED_PRECONDITION, e.getMessage());
      }
    });
  }

  // ---- plumbing ----

  private String held(FederationId id) throws StatusException {
    String name = name(id);
    if (!ledgers.holds(name)) {
      throw refusal(Status.FAILED_PRECONDITION, "this node holds no ledger of federation '" + name
          + "' (only its coordinator-eligible nodes do)");
    }
    return name;
  }

  private static String name(FederationId id) throws StatusException {
    String name = id.getName();
    if (!NAME.matcher(name).matches()) {
      throw refusal(Status.INVALID_ARGUMENT, "federation name must be 1 to 63 of [a-z0-9-], starting with a letter or digit");
    }
    return name;
  }

  /** One unary call: its answer, or a refusal counted in the metrics. */
  private <T> void run(String method, StreamObserver<T> response, Call<T> call) {
    try {
      T answer = call.run();
      response.onNext(answer);
      response.onCompleted();
    } catch (StatusException e) {
      metrics.refused(method, e.getStatus().getCode().name().toLowerCase(Locale.ROOT));
      response.onError(e);
    } catch (RuntimeException e) {
      metrics.refused(method, "internal");
      response.onError(refusal(Status.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
  }

  private interface Call<T> {
    T run() throws StatusException;
  }

  static StatusException refusal(Status status, String description) {
    String line = description == null ? "" : description.replaceAll("\\s+", " ").strip();
    return status.withDescription(line.length() > 500 ? line.substring(0, 497) + "..." : line).asException();
  }

}
