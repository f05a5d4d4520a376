package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.proto.v1.EndorseRequest;
import io.fedmesh.proto.v1.ExportAuditRequest;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerRequest;
import io.fedmesh.proto.v1.ListProposalsResponse;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.Role;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of the Ledger gRPC service on a real node with a real Raft group, over mutual TLS: hostile
 * bootstrap (a genesis the config does not describe, a wrong Raft address), hostile members and
 * non-members. Each federation a test creates is its own, so the tests do not disturb one another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerServiceRedTeamTest {
  TestMesh mesh;
  TestMesh.Identity coordinator;
  TestMesh.Identity admin1;
  TestMesh.Identity admin2;
  TestMesh.Identity admin3;
  TestMesh.Identity participant;
  TestMesh.Identity outsider;
  NodeServer node;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    coordinator = mesh.node("coordinator");
    admin1 = mesh.node("admin1");
    admin2 = mesh.node("admin2");
    admin3 = mesh.node("admin3");
    participant = mesh.node("participant");
    outsider = mesh.node("outsider");
    int raftPort;
    try (ServerSocket s = new ServerSocket(0)) {
      raftPort = s.getLocalPort();
    }
    StringBuilder yaml = new StringBuilder("raft: {listen: 127.0.0.1:" + raftPort + ", election_timeout_ms: {min: 300, max: 600}}\n"
        + "federations:\n");
    // Three admins in every federation's bootstrap facts: the consortium means M-of-3 governance.
    for (String fed : List.of("subset-fed", "join-fed", "access-fed", "poison-fed")) {
      yaml.append("  ").append(fed).append(":\n    members:\n")
          .append("      ").append(coordinator.id().hex()).append(": [coordinator-eligible]\n")
          .append("      ").append(admin1.id().hex()).append(": [admin]\n")
          .append("      ").append(admin2.id().hex()).append(": [admin]\n")
          .append("      ").append(admin3.id().hex()).append(": [admin]\n")
          .append("      ").append(participant.id().hex()).append(": [participant]\n");
    }
    node = mesh.start(dir, coordinator, yaml.toString());
  }

  @AfterAll
  void stop() {
    node.close();
  }

  <T> T call(TestMesh.Identity who, Function<LedgerGrpc.LedgerBlockingStub, T> rpc) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      return rpc.apply(LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(40, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  void refused(TestMesh.Identity who, Function<LedgerGrpc.LedgerBlockingStub, ?> rpc, Status.Code code, String containing) {
    assertThatThrownBy(() -> call(who, rpc)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(containing);
    });
  }

  static SigningKey key(TestMesh.Identity who) {
    try {
      return Pem.readPrivateKey(Files.readString(who.key()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static FederationId fed(String name) {
    return FederationId.newBuilder().setName(name).build();
  }

  static io.fedmesh.proto.v1.NodeId proto(NodeId id) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(id.toBytes())).build();
  }

  LedgerMember member(TestMesh.Identity who, Role role) {
    LedgerMember.Builder m = LedgerMember.newBuilder().setNode(proto(who.id()))
        .setIdentityKey(ByteString.copyFrom(key(who).verifyingKey().subjectPublicKeyInfo())).addRoles(role);
    if (role == Role.ROLE_COORDINATOR_ELIGIBLE) {
      m.setRaftAddress(raftAddress());
    }
    return m.build();
  }

  String raftAddress() {
    var a = node.ledgers().raft().orElseThrow().address();
    return a.getHostString() + ":" + a.getPort();
  }

  LedgerAct genesis(String federation, TestMesh.Identity signer, int approvals, List<LedgerMember> members) {
    List<LedgerMember> sorted = new ArrayList<>(members);
    sorted.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    return LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed(federation)).setGenesis(Genesis.newBuilder()
        .addAllMembers(sorted).setApprovalsRequired(approvals)), key(signer));
  }

  /** The genesis the config describes: the coordinator, three admins (M = 2) and the participant. */
  LedgerAct configuredGenesis(String federation) {
    return genesis(federation, admin1, 2, List.of(member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE), member(admin1, Role.ROLE_ADMIN),
        member(admin2, Role.ROLE_ADMIN), member(admin3, Role.ROLE_ADMIN), member(participant, Role.ROLE_PARTICIPANT)));
  }

  LedgerHead awaitLeader(String federation, TestMesh.Identity asking) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      LedgerHead h = call(asking, l -> l.head(LedgerRequest.newBuilder().setFederation(fed(federation)).build()));
      if (h.hasLeader()) {
        return h;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("no coordinator announced: " + h);
      }
      Thread.sleep(100);
    }
  }

  LedgerAct signed(String federation, LedgerHead seen, TestMesh.Identity by, Proposal.Builder p) {
    return LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed(federation)).setSeenSequence(seen.getSequence())
        .setSeenHash(seen.getHash()).setProposal(p), key(by));
  }

  @Test
  void aGenesisMustNameTheAdminsAndMembersTheConfigNames() throws Exception {
    LedgerAct takeover = genesis("subset-fed", admin1, 1, List.of(member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE),
        member(admin1, Role.ROLE_ADMIN), member(outsider, Role.ROLE_PARTICIPANT)));
    LedgerReply reply;
    try {
      reply = call(admin1, l -> l.createFederation(takeover));
    } catch (StatusRuntimeException refused) {
      return; // the defence holds
    }
    LedgerHead head = awaitLeader("subset-fed", admin1);
    // admin2 (an admin in every coordinator's config) is locked out of the ledger, and admin1 alone makes the unconfigured
    // outsider an admin as well.
    refused(admin2, l -> l.head(LedgerRequest.newBuilder().setFederation(fed("subset-fed")).build()), Status.Code.PERMISSION_DENIED,
        "not_a_member");
    LedgerReply sybil = call(admin1, l -> l.submit(signed("subset-fed", head, admin1, Proposal.newBuilder()
        .setSetRoles(member(outsider, Role.ROLE_PARTICIPANT).toBuilder().addRoles(Role.ROLE_ADMIN)))));
    throw new AssertionError("a genesis with 1 of the 3 configured admins, M = 1 and an unconfigured member was accepted (sequence "
        + reply.getSequence() + "); its admin then changed membership alone: " + sybil.getAccepted());
  }

  @Test
  void joinFederationRefusesAWrongRaftAddressAnUnconfiguredSignerOrFederationAndAnUnnamedNode() throws Exception {
    LedgerMember elsewhere = member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE).toBuilder().setRaftAddress("10.9.9.9:7401").build();
    LedgerAct wrongAddress = genesis("join-fed", admin1, 2, List.of(elsewhere, member(admin1, Role.ROLE_ADMIN),
        member(admin2, Role.ROLE_ADMIN), member(admin3, Role.ROLE_ADMIN), member(participant, Role.ROLE_PARTICIPANT)));
    refused(admin1, l -> l.joinFederation(wrongAddress), Status.Code.FAILED_PRECONDITION, "names Raft endpoint 10.9.9.9:7401");
    refused(outsider, l -> l.joinFederation(wrongAddress), Status.Code.FAILED_PRECONDITION, "names Raft endpoint");
    // Signed by a node the config does not make admin (the participant, named admin in its own genesis).
    LedgerAct byParticipant = genesis("join-fed", participant, 1, List.of(member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE),
        member(participant, Role.ROLE_ADMIN)));
    refused(participant, l -> l.joinFederation(byParticipant), Status.Code.PERMISSION_DENIED, "not an admin");
    refused(participant, l -> l.createFederation(byParticipant), Status.Code.PERMISSION_DENIED, "not an admin");
    // A federation the config does not list; a genesis that does not name this node; a second coordinator the config does not know.
    LedgerAct unlisted = genesis("not-configured", admin1, 1, List.of(member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE),
        member(admin1, Role.ROLE_ADMIN)));
    refused(admin1, l -> l.createFederation(unlisted), Status.Code.FAILED_PRECONDITION, "names no federation");
    refused(admin1, l -> l.joinFederation(unlisted), Status.Code.FAILED_PRECONDITION, "names no federation");
    LedgerMember otherCoordinator = member(outsider, Role.ROLE_PARTICIPANT).toBuilder().clearRoles()
        .addRoles(Role.ROLE_COORDINATOR_ELIGIBLE).setRaftAddress("127.0.0.1:1").build();
    LedgerAct notUs = genesis("join-fed", admin1, 1, List.of(otherCoordinator, member(admin1, Role.ROLE_ADMIN)));
    refused(admin1, l -> l.joinFederation(notUs), Status.Code.PERMISSION_DENIED, "configured members exactly");
    LedgerAct sneaked = genesis("join-fed", admin1, 1, List.of(member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE), otherCoordinator,
        member(admin1, Role.ROLE_ADMIN)));
    refused(admin1, l -> l.createFederation(sneaked), Status.Code.PERMISSION_DENIED, "configured members exactly");
    // A tampered configured genesis (M lowered after signing) does not verify.
    LedgerAct good = configuredGenesis("join-fed");
    LedgerAct lowered = good.toBuilder().setGenesis(good.getGenesis().toBuilder().setApprovalsRequired(1)).build();
    refused(admin1, l -> l.createFederation(lowered), Status.Code.INVALID_ARGUMENT, "does not verify");
    assertThat(node.ledgers().holds("join-fed")).isFalse();
    assertThat(node.ledgers().holds("not-configured")).isFalse();
  }

  @Test
  void nonMembersAndWrongRolesAreRefusedAndMembersActOnlyForThemselves() throws Exception {
    assertThat(call(admin1, l -> l.createFederation(configuredGenesis("access-fed"))).getAccepted()).isTrue();
    LedgerHead head = awaitLeader("access-fed", admin1);
    LedgerRequest req = LedgerRequest.newBuilder().setFederation(fed("access-fed")).build();
    // A non-member (a CA-certified node): Submit, Head, ExportAudit, ListProposals, Endorse.
    LedgerAct outsiders = signed("access-fed", head, outsider, Proposal.newBuilder().setApprovalsRequired(1));
    refused(outsider, l -> l.submit(outsiders), Status.Code.PERMISSION_DENIED, "not_a_member");
    refused(outsider, l -> l.head(req), Status.Code.PERMISSION_DENIED, "not_a_member");
    refused(outsider, l -> l.exportAudit(ExportAuditRequest.newBuilder().setFederation(fed("access-fed")).build()).hasNext(),
        Status.Code.PERMISSION_DENIED, "not_a_member");
    refused(outsider, l -> l.listProposals(req), Status.Code.PERMISSION_DENIED, "");
    refused(outsider, l -> l.endorse(EndorseRequest.newBuilder().setFederation(fed("access-fed")).setRound(1).build()),
        Status.Code.PERMISSION_DENIED, "");
    // A participant (a member): may read the head and the audit chain (it follows the ledger through it), not
    // proposals or endorsements.
    assertThat(call(participant, l -> l.head(req)).getSequence()).isGreaterThanOrEqualTo(1);
    boolean readable = call(participant, l -> l.exportAudit(ExportAuditRequest.newBuilder().setFederation(fed("access-fed")).build()).hasNext());
    assertThat(readable).isTrue();
    refused(participant, l -> l.listProposals(req), Status.Code.PERMISSION_DENIED, "");
    refused(participant, l -> l.endorse(EndorseRequest.newBuilder().setFederation(fed("access-fed")).setRound(1).build()),
        Status.Code.PERMISSION_DENIED, "");
    // admin2 submits admin1's act; the participant submits its own proposal (not an admin); admin1 votes twice through the service.
    LedgerAct byAdmin1 = signed("access-fed", head, admin1, Proposal.newBuilder().setAddMember(member(outsider, Role.ROLE_PARTICIPANT)));
    refused(admin2, l -> l.submit(byAdmin1), Status.Code.PERMISSION_DENIED, "its own author");
    refused(participant, l -> l.submit(signed("access-fed", head, participant, Proposal.newBuilder().setApprovalsRequired(1))),
        Status.Code.FAILED_PRECONDITION, "not admin");
    LedgerReply p = call(admin1, l -> l.submit(byAdmin1));
    refused(admin1, l -> l.submit(byAdmin1), Status.Code.FAILED_PRECONDITION, "replay");
    LedgerAct vote = LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed("access-fed")).setVote(
        io.fedmesh.proto.v1.ProposalVote.newBuilder().setProposal(p.getRecordHash()).setApprove(true)), key(admin1));
    refused(admin1, l -> l.submit(vote), Status.Code.FAILED_PRECONDITION, "voted");
    ListProposalsResponse list = call(admin2, l -> l.listProposals(req));
    assertThat(list.getProposals(0).getOutcome()).isEqualTo("open");
    // The outsider is still no member: M - 1 approvals changed nothing.
    refused(outsider, l -> l.head(req), Status.Code.PERMISSION_DENIED, "not_a_member");
  }

  @Test
  void aMembersMalformedActCannotHaltTheFederation() throws Exception {
    assertThat(call(admin1, l -> l.createFederation(configuredGenesis("poison-fed"))).getAccepted()).isTrue();
    LedgerHead head = awaitLeader("poison-fed", admin1);
    LedgerAct poison = LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed("poison-fed")).setSeenSequence(-1L)
        .setProposal(Proposal.newBuilder().setApprovalsRequired(1)), key(participant));
    String poisoned;
    try {
      poisoned = "answered " + call(participant, l -> l.submit(poison));
    } catch (StatusRuntimeException e) {
      poisoned = e.getStatus().toString();
    }
    LedgerHead now = call(admin1, l -> l.head(LedgerRequest.newBuilder().setFederation(fed("poison-fed")).build()));
    String honest;
    try {
      honest = "accepted: " + call(admin1, l -> l.submit(signed("poison-fed", now, admin1, Proposal.newBuilder().setApprovalsRequired(1)
          .setReason("after the poison")))).getAccepted();
    } catch (StatusRuntimeException e) {
      honest = e.getStatus().toString();
    }
    assertThat(honest).as("the participant's call: " + poisoned + "; head before " + head.getSequence() + ", after " + now.getSequence())
        .startsWith("accepted: true");
  }
}
