package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.ledger.AuditChain;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.proto.v1.ExportAuditRequest;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerRequest;
import io.fedmesh.proto.v1.PrepareGenesisRequest;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.RoundAborted;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ledger service on a real node with a real Raft group (one coordinator), over mutual TLS: the
 * genesis from the CLI's side, and the refusals a hostile caller gets (each a status with one line).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerServiceTest {
  static final String FED = "card-fraud";

  Path dir;

  TestMesh mesh;
  TestMesh.Identity coordinator;
  TestMesh.Identity admin;
  TestMesh.Identity participant;
  TestMesh.Identity outsider;
  NodeServer node;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    this.dir = dir;
    mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    coordinator = mesh.node("coordinator");
    admin = mesh.node("admin");
    participant = mesh.node("participant");
    outsider = mesh.node("outsider");
    int raftPort;
    try (ServerSocket s = new ServerSocket(0)) {
      raftPort = s.getLocalPort();
    }
    node = mesh.start(dir, coordinator, String.join("\n",
        "raft: {listen: 127.0.0.1:" + raftPort + ", election_timeout_ms: {min: 300, max: 600}}",
        "federations:",
        "  " + FED + ":",
        "    members:",
        "      " + coordinator.id().hex() + ": [coordinator-eligible]",
        "      " + admin.id().hex() + ": [admin]",
        "      " + participant.id().hex() + ": [participant]",
        ""));
    // The node knows only itself on the mesh: a one-node federation it coordinates, plus admin and
    // participant whose keys it is told through gossip in a real mesh. Here: a genesis of coordinator and admin
    // can only be prepared once the admin's key is known, so the test signs the genesis itself.
  }

  @AfterAll
  void stop() {
    node.close();
  }

  <T> T call(TestMesh.Identity who, Function<LedgerGrpc.LedgerBlockingStub, T> rpc) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      return rpc.apply(LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  void refused(TestMesh.Identity who, Function<LedgerGrpc.LedgerBlockingStub, ?> rpc, Status.Code code, String containing) {
    assertThatThrownBy(() -> call(who, rpc)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(containing).doesNotContain("\n");
    });
  }

  SigningKey key(TestMesh.Identity who) throws Exception {
    return Pem.readPrivateKey(Files.readString(who.key()));
  }

  static FederationId fed() {
    return FederationId.newBuilder().setName(FED).build();
  }

  LedgerAct genesis(TestMesh.Identity signer) throws Exception {
    return genesis(signer, true);
  }

  /** A genesis of the coordinator and {@code signer} as admin, with or without the configured participant. */
  LedgerAct genesis(TestMesh.Identity signer, boolean withParticipant) throws Exception {
    io.fedmesh.proto.v1.LedgerMember.Builder c = io.fedmesh.proto.v1.LedgerMember.newBuilder()
        .setNode(LedgerActs.toProto(coordinator.id()))
        .setIdentityKey(com.google.protobuf.ByteString.copyFrom(key(coordinator).verifyingKey().subjectPublicKeyInfo()))
        .addRoles(io.fedmesh.proto.v1.Role.ROLE_COORDINATOR_ELIGIBLE)
        .setRaftAddress(node.ledgers().raft().orElseThrow().address().getHostString() + ":"
            + node.ledgers().raft().orElseThrow().address().getPort());
    io.fedmesh.proto.v1.LedgerMember.Builder a = io.fedmesh.proto.v1.LedgerMember.newBuilder()
        .setNode(LedgerActs.toProto(signer.id()))
        .setIdentityKey(com.google.protobuf.ByteString.copyFrom(key(signer).verifyingKey().subjectPublicKeyInfo()))
        .addRoles(io.fedmesh.proto.v1.Role.ROLE_ADMIN);
    List<io.fedmesh.proto.v1.LedgerMember> members = new ArrayList<>(List.of(c.build(), a.build()));
    if (withParticipant) {
      members.add(io.fedmesh.proto.v1.LedgerMember.newBuilder().setNode(LedgerActs.toProto(participant.id()))
          .setIdentityKey(com.google.protobuf.ByteString.copyFrom(key(participant).verifyingKey().subjectPublicKeyInfo()))
          .addRoles(io.fedmesh.proto.v1.Role.ROLE_PARTICIPANT).build());
    }
    members.sort(java.util.Comparator.comparing(m -> io.fedmesh.crypto.identity.NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    return LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed()).setGenesis(io.fedmesh.proto.v1.Genesis.newBuilder()
        .addAllMembers(members).setApprovalsRequired(1)), key(signer));
  }

  @Test
  void aFederationIsCreatedOnlyAsItsConfigAllowsAndRefusesHostileCallsWithAReason() throws Exception {
    // Before genesis: the federation is known from the config, but this node holds no ledger of it yet.
    refused(admin, l -> l.head(LedgerRequest.newBuilder().setFederation(fed()).build()), Status.Code.FAILED_PRECONDITION,
        "holds no ledger");
    // PrepareGenesis needs every named node known on the mesh (the admin never gossiped here).
    refused(admin, l -> l.prepareGenesis(PrepareGenesisRequest.newBuilder().setFederation(fed())
        .addCoordinators(LedgerActs.toProto(coordinator.id())).addAdmins(LedgerActs.toProto(admin.id())).build()),
        Status.Code.FAILED_PRECONDITION, "not known on the mesh");
    // A genesis signed by an outsider (a CA-issued identity, but not an admin in this node's config) cannot
    // take the federation's name.
    LedgerAct outsiders = genesis(outsider);
    refused(outsider, l -> l.createFederation(outsiders), Status.Code.PERMISSION_DENIED, "not an admin of 'card-fraud' in this node's config");
    // A genesis for a federation the config does not list.
    LedgerAct other = genesis(admin).toBuilder().setFederation(FederationId.newBuilder().setName("other-fed")).build();
    refused(admin, l -> l.createFederation(LedgerActs.sign(other.toBuilder().clearSignature(), keyUnchecked(admin))),
        Status.Code.FAILED_PRECONDITION, "names no federation 'other-fed'");
    // A genesis that leaves out a configured member (or adds one, or changes roles) is refused.
    LedgerAct withoutParticipant = genesis(admin, false);
    refused(admin, l -> l.createFederation(withoutParticipant), Status.Code.PERMISSION_DENIED, "must state the configured members exactly");
    // The configured admin creates it.
    LedgerAct good = genesis(admin);
    LedgerReply created = call(admin, l -> l.createFederation(good));
    assertThat(created.getAccepted()).isTrue();
    LedgerHead head = awaitLeader();
    assertThat(head.getMembersCount()).isEqualTo(3);
    // A node the ledger does not name is refused as such.
    refused(outsider, l -> l.head(LedgerRequest.newBuilder().setFederation(fed()).build()), Status.Code.PERMISSION_DENIED,
        "not_a_member");
    refused(outsider, l -> l.exportAudit(ExportAuditRequest.newBuilder().setFederation(fed()).build()).hasNext(),
        Status.Code.PERMISSION_DENIED, "not_a_member");
    // A member submits only its own acts, only proposals and votes, and the ledger checks them.
    LedgerAct byAdmin = LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed()).setProposal(Proposal.newBuilder()
        .setApprovalsRequired(1)), key(admin));
    refused(coordinator, l -> l.submit(byAdmin), Status.Code.PERMISSION_DENIED, "submitted by its own author");
    LedgerAct roundAct = LedgerActs.sign(LedgerAct.newBuilder().setFederation(fed()).setRoundAborted(RoundAborted.newBuilder()
        .setRound(1).setReason("x")), key(admin));
    refused(admin, l -> l.submit(roundAct), Status.Code.INVALID_ARGUMENT, "only proposals and votes");
    LedgerAct tampered = byAdmin.toBuilder().setProposal(Proposal.newBuilder().setApprovalsRequired(1).setReason("changed")).build();
    refused(admin, l -> l.submit(tampered), Status.Code.FAILED_PRECONDITION, "does not verify");
    // A good proposal (M = 1) commits; replaying it is refused.
    assertThat(call(admin, l -> l.submit(byAdmin)).getAccepted()).isTrue();
    refused(admin, l -> l.submit(byAdmin), Status.Code.FAILED_PRECONDITION, "replay");
    // The chain the node serves verifies.
    List<LedgerRecord> records = call(admin, l -> {
      List<LedgerRecord> out = new ArrayList<>();
      l.exportAudit(ExportAuditRequest.newBuilder().setFederation(fed()).build()).forEachRemaining(out::add);
      return out;
    });
    assertThat(records).hasSizeGreaterThanOrEqualTo(3);
    assertThat(AuditChain.verify(FED, records)).isEmpty();
    assertThat(node.metrics().scrape()).contains("fedmesh_ledger_requests_refused_total{method=\"CreateFederation\",reason=\"permission_denied\"}");
  }

  SigningKey keyUnchecked(TestMesh.Identity who) {
    try {
      return key(who);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  LedgerHead awaitLeader() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      LedgerHead h = call(admin, l -> l.head(LedgerRequest.newBuilder().setFederation(fed()).build()));
      if (h.hasLeader()) {
        return h;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("no coordinator announced: " + h);
      }
      Thread.sleep(100);
    }
  }
}
