package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.raft.RaftGroups;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRequest;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of {@code LedgerService.checkGenesis} and the bootstrap around it (CreateFederation,
 * JoinFederation) on real nodes over mutual TLS: genesis acts that try to state the configured members
 * and roles "almost" exactly (duplicates, repeated or unknown roles, reordered roles, keys of other
 * nodes), approvals at and below a majority, and Raft endpoints that only some nodes check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenesisRedTeamTest {
  static final List<String> FEDERATIONS = List.of("shape-fed", "m-fed", "self-fed", "poison-fed");

  Path dir;

  TestMesh mesh;
  TestMesh.Identity c1;
  TestMesh.Identity c2;
  TestMesh.Identity admin1;
  TestMesh.Identity admin2;
  TestMesh.Identity admin3;
  TestMesh.Identity participant;
  NodeServer n1;
  NodeServer n2;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    c1 = mesh.node("c1");
    c2 = mesh.node("c2");
    admin1 = mesh.node("admin1");
    admin2 = mesh.node("admin2");
    admin3 = mesh.node("admin3");
    participant = mesh.node("participant");
    StringBuilder federations = new StringBuilder("federations:\n");
    for (String fed : FEDERATIONS) {
      federations.append("  ").append(fed).append(":\n    members:\n")
          .append("      ").append(c1.id().hex()).append(": [coordinator-eligible]\n")
          .append("      ").append(c2.id().hex()).append(": [coordinator-eligible]\n")
          .append("      ").append(admin1.id().hex()).append(": [admin]\n")
          .append("      ").append(admin2.id().hex()).append(": [admin]\n")
          .append("      ").append(admin3.id().hex()).append(": [admin, participant]\n")
          .append("      ").append(participant.id().hex()).append(": [participant]\n");
    }
    String gossip = "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    n1 = mesh.start(dir, c1, "raft: {listen: 127.0.0.1:" + freePort() + ", election_timeout_ms: {min: 300, max: 600}}\n" + gossip
        + federations);
    n2 = mesh.start(dir, c2, "raft: {listen: 127.0.0.1:" + freePort() + ", election_timeout_ms: {min: 300, max: 600}}\n" + gossip
        + "seeds: [" + c1.id().hex() + "@127.0.0.1:" + n1.port() + "]\n" + federations);
  }

  @AfterAll
  void stop() {
    if (n2 != null) {
      n2.close();
    }
    if (n1 != null) {
      n1.close();
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  <T> T call(NodeServer node, TestMesh.Identity who, Function<LedgerGrpc.LedgerBlockingStub, T> rpc) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      return rpc.apply(LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(40, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  void refused(NodeServer node, Function<LedgerGrpc.LedgerBlockingStub, ?> rpc, Status.Code code, String containing) {
    assertThatThrownBy(() -> call(node, admin1, rpc)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
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

  static String raftAddress(NodeServer node) {
    var a = node.ledgers().raft().orElseThrow().address();
    return a.getHostString() + ":" + a.getPort();
  }

  LedgerMember.Builder member(TestMesh.Identity who, Role... roles) {
    LedgerMember.Builder m = LedgerMember.newBuilder()
        .setNode(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(who.id().toBytes())))
        .setIdentityKey(ByteString.copyFrom(key(who).verifyingKey().subjectPublicKeyInfo()));
    for (Role r : roles) {
      m.addRoles(r);
    }
    if (who == c1) {
      m.setRaftAddress(raftAddress(n1));
    } else if (who == c2) {
      m.setRaftAddress(raftAddress(n2));
    }
    return m;
  }

  /** The configured members, in node-id order, before any tampering. */
  List<LedgerMember> configured() {
    List<LedgerMember> ms = new ArrayList<>(List.of(member(c1, Role.ROLE_COORDINATOR_ELIGIBLE).build(),
        member(c2, Role.ROLE_COORDINATOR_ELIGIBLE).build(), member(admin1, Role.ROLE_ADMIN).build(), member(admin2, Role.ROLE_ADMIN).build(),
        member(admin3, Role.ROLE_PARTICIPANT, Role.ROLE_ADMIN).build(), member(participant, Role.ROLE_PARTICIPANT).build()));
    ms.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    return ms;
  }

  static LedgerAct genesis(String fed, TestMesh.Identity signer, int approvals, List<LedgerMember> members) {
    return LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(fed)).setGenesis(Genesis.newBuilder()
        .addAllMembers(members).setApprovalsRequired(approvals)), key(signer));
  }

  List<LedgerMember> replace(TestMesh.Identity who, LedgerMember with) {
    List<LedgerMember> ms = new ArrayList<>(configured());
    ms.replaceAll(m -> m.getNode().getSha256().equals(ByteString.copyFrom(who.id().toBytes())) ? with : m);
    return ms;
  }

  /** Near-misses of the configured members: each is refused by CreateFederation and JoinFederation alike, and nothing is hosted. */
  @Test
  void aGenesisThatOnlyAlmostStatesTheConfiguredMembersIsRefused() throws Exception {
    String fed = "shape-fed";
    List<List<LedgerMember>> nearMisses = new ArrayList<>();
    // A member listed twice (same roles; then different roles: participant entry repeated as admin).
    List<LedgerMember> twice = new ArrayList<>(configured());
    twice.add(twice.indexOf(twice.stream().filter(m -> m.getRolesList().equals(List.of(Role.ROLE_PARTICIPANT))).findFirst().orElseThrow()),
        member(participant, Role.ROLE_PARTICIPANT).build());
    nearMisses.add(twice);
    List<LedgerMember> twiceAsAdmin = new ArrayList<>(configured());
    int p = twiceAsAdmin.indexOf(member(participant, Role.ROLE_PARTICIPANT).build());
    twiceAsAdmin.add(p + 1, member(participant, Role.ROLE_ADMIN).build());
    nearMisses.add(twiceAsAdmin);
    // A role listed twice; roles out of order; an unknown role value (alone and beside the right ones); ROLE_UNSPECIFIED.
    nearMisses.add(replace(admin1, member(admin1, Role.ROLE_ADMIN, Role.ROLE_ADMIN).build()));
    nearMisses.add(replace(admin3, member(admin3, Role.ROLE_ADMIN, Role.ROLE_PARTICIPANT).build()));
    nearMisses.add(replace(admin3, member(admin3, Role.ROLE_PARTICIPANT, Role.ROLE_ADMIN).addRolesValue(99).build()));
    nearMisses.add(replace(participant, member(participant).addRolesValue(99).build()));
    nearMisses.add(replace(participant, member(participant, Role.ROLE_UNSPECIFIED, Role.ROLE_PARTICIPANT).build()));
    // A member whose identity key is another node's (admin2 given admin1's key), or no key.
    nearMisses.add(replace(admin2, member(admin2, Role.ROLE_ADMIN).setIdentityKey(member(admin1).getIdentityKey()).build()));
    nearMisses.add(replace(admin2, member(admin2, Role.ROLE_ADMIN).clearIdentityKey().build()));
    // A configured member missing; an unconfigured 7th node; a participant promoted to admin.
    List<LedgerMember> missing = new ArrayList<>(configured());
    missing.remove(member(admin2, Role.ROLE_ADMIN).build());
    nearMisses.add(missing);
    nearMisses.add(replace(participant, member(participant, Role.ROLE_PARTICIPANT, Role.ROLE_ADMIN).build()));
    // A participant given a Raft address; a coordinator without one.
    nearMisses.add(replace(participant, member(participant, Role.ROLE_PARTICIPANT).setRaftAddress("127.0.0.1:9").build()));
    nearMisses.add(replace(c2, member(c2, Role.ROLE_COORDINATOR_ELIGIBLE).clearRaftAddress().build()));
    // Control: the configured genesis itself passes the shape checks (refused here only for an M below a majority).
    refused(n1, l -> l.joinFederation(genesis(fed, admin1, 1, configured())), Status.Code.PERMISSION_DENIED, "majority");
    for (List<LedgerMember> members : nearMisses) {
      LedgerAct g = genesis(fed, admin1, 2, members);
      for (boolean create : List.of(true, false)) {
        assertThatThrownBy(() -> call(n1, admin1, l -> create ? l.createFederation(g) : l.joinFederation(g)))
            .as((create ? "CreateFederation " : "JoinFederation ") + members)
            .isInstanceOf(StatusRuntimeException.class);
      }
    }
    assertThat(n1.ledgers().holds(fed)).isFalse();
    assertThat(n2.ledgers().holds(fed)).isFalse();
  }

  /** M must be a majority of the admins (3 here): 1 and 0 are refused, and so are M above the admins and a uint32 that reads negative. */
  @Test
  void approvalsBelowAMajorityOrOutOfRangeAreRefused() throws Exception {
    String fed = "m-fed";
    refused(n1, l -> l.createFederation(genesis(fed, admin1, 1, configured())), Status.Code.PERMISSION_DENIED, "majority");
    refused(n1, l -> l.joinFederation(genesis(fed, admin1, 1, configured())), Status.Code.PERMISSION_DENIED, "majority");
    refused(n1, l -> l.createFederation(genesis(fed, admin1, 0, configured())), Status.Code.INVALID_ARGUMENT, "");
    refused(n1, l -> l.createFederation(genesis(fed, admin1, 4, configured())), Status.Code.INVALID_ARGUMENT, "");
    refused(n1, l -> l.createFederation(genesis(fed, admin1, -1, configured())), Status.Code.INVALID_ARGUMENT, "");
    // Signed by admin3 (admin and participant) it passes the signer checks; by the participant, not.
    refused(n1, l -> l.createFederation(genesis(fed, admin3, 1, configured())), Status.Code.PERMISSION_DENIED, "majority");
    refused(n1, l -> l.createFederation(genesis(fed, participant, 2, configured())), Status.Code.INVALID_ARGUMENT, "signed by one of the admins");
    assertThat(n1.ledgers().holds(fed)).isFalse();
  }

  /**
   * (Was a hole, now the defence: every coordinator's endpoint must be the one it announced.)
   * JoinFederation refused a genesis naming a wrong Raft endpoint for the receiving node, but
   * CreateFederation never checked the creator's own endpoint: a genesis signed by one configured admin
   * that gives c1 an endpoint elsewhere is accepted by c1 (and by c2, which checks only its own), and
   * every other coordinator's Raft group then dials that address for c1. Observed: c2 hosts the group
   * with c1 at the wrong address, the genesis does not commit within 20 s (UNAVAILABLE), and the group
   * stays hosted on both.
   */
  @Test
  void createFederationChecksTheCreatorsOwnRaftEndpoint() throws Exception {
    String fed = "self-fed";
    awaitGossip();
    LedgerAct elsewhere = genesis(fed, admin1, 2, replace(c1, member(c1, Role.ROLE_COORDINATOR_ELIGIBLE)
        .setRaftAddress("127.0.0.1:" + freePort()).build()));
    String outcome;
    try {
      outcome = "accepted at sequence " + call(n1, admin1, l -> l.createFederation(elsewhere)).getSequence();
    } catch (StatusRuntimeException e) {
      outcome = e.getStatus().toString();
    }
    String peersAtC2 = n2.ledgers().holds(fed) ? raftPeers(n2, fed).toString() : "not hosted";
    assertThat(outcome).as("CreateFederation with c1 (the creator) at a wrong endpoint; c2's Raft group: " + peersAtC2)
        .contains("FAILED_PRECONDITION");
  }

  /**
   * (Was a hole, now the defence: every coordinator's endpoint must be the one it announced.)
   * JoinFederation checked only the receiving node's own endpoint, and hosting is idempotent by group id:
   * a genesis signed by one admin that gives c2 a wrong endpoint, sent straight to c1, makes c1 host the
   * group with that endpoint; the honest genesis created later (all endpoints right) then commits, yet
   * c1's Raft configuration keeps the rogue endpoint for c2: the ledger and Raft disagree for good.
   */
  @Test
  void anEarlierJoinWithAnotherGenesisCannotPoisonTheGroupsEndpoints() throws Exception {
    String fed = "poison-fed";
    awaitGossip();
    String rogue = "127.0.0.1:" + freePort();
    LedgerAct poisoned = genesis(fed, admin2, 2, replace(c2, member(c2, Role.ROLE_COORDINATOR_ELIGIBLE).setRaftAddress(rogue).build()));
    String joined;
    try {
      call(n1, admin2, l -> l.joinFederation(poisoned));
      joined = "c1 joined the rogue genesis";
    } catch (StatusRuntimeException e) {
      joined = "refused: " + e.getStatus();
    }
    // The honest genesis, every endpoint right, created through c2.
    LedgerAct honest = genesis(fed, admin1, 2, configured());
    String created;
    try {
      created = "created at sequence " + call(n2, admin1, l -> l.createFederation(honest)).getSequence();
    } catch (StatusRuntimeException e) {
      created = "refused: " + e.getStatus();
    }
    List<String> atC1 = n1.ledgers().holds(fed) ? raftPeers(n1, fed) : List.of();
    assertThat(atC1).as(joined + "; honest genesis " + created + "; c1's Raft peers of " + fed)
        .noneMatch(p -> p.endsWith(rogue));
  }

  void awaitGossip() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!knows(n1, c2) || !knows(n2, c1)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("c1 and c2 did not learn of each other");
      }
      Thread.sleep(100);
    }
  }

  static boolean knows(NodeServer node, TestMesh.Identity other) throws Exception {
    java.lang.reflect.Method peer = io.fedmesh.node.ledger.NodeLedgers.class.getDeclaredMethod("peer", NodeId.class);
    peer.setAccessible(true);
    return ((java.util.Optional<?>) peer.invoke(node.ledgers(), other.id())).isPresent();
  }

  /** "peer-id-prefix@host:port" of each peer of {@code fed}'s Raft group at {@code node}. */
  static List<String> raftPeers(NodeServer node, String fed) throws Exception {
    RaftGroups raft = node.ledgers().raft().orElseThrow();
    java.lang.reflect.Field f = RaftGroups.class.getDeclaredField("server");
    f.setAccessible(true);
    org.apache.ratis.server.RaftServer server = (org.apache.ratis.server.RaftServer) f.get(raft);
    return server.getDivision(RaftGroups.groupId(fed)).getGroup().getPeers().stream()
        .map(p -> p.getId().toString().substring(0, 8) + "@" + p.getAddress()).sorted().toList();
  }

  LedgerHead head(NodeServer node, String fed) throws Exception {
    return call(node, admin1, l -> l.head(LedgerRequest.newBuilder().setFederation(FederationId.newBuilder().setName(fed)).build()));
  }
}
