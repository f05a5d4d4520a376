package io.fedmesh.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.raft.RaftGroups;
import io.fedmesh.node.raft.RaftPeerAddress;
import io.fedmesh.node.raft.RaftSettings;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerSnapshot;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.Role;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of the federation's Raft port: three coordinator-eligible nodes host a federation's ledger
 * (real {@link LedgerMachine}s in real Ratis servers, mutual TLS against one consortium CA), and another
 * holder of a certificate from that CA (a participant, or a coordinator of another federation that can
 * reach the shared Ratis port) talks to the port with a plain Ratis client.
 */
class RaftPortRedTeamTest {
  static final String FED = "card-fraud";
  static final RaftSettings FAST = new RaftSettings(Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(3), 1000);

  @TempDir
  Path dir;

  CertificateAuthority ca;
  long seed = 1;
  final List<RaftGroups> open = new ArrayList<>();
  final List<RaftClient> clients = new ArrayList<>();

  record Identity(String name, SigningKey key, NodeId id, Path dir) {
    Path keyFile() {
      return dir.resolve("node.key");
    }

    Path certFile() {
      return dir.resolve("node.crt");
    }
  }

  record Coordinator(Identity identity, int port, LedgerMachine machine, RaftGroups raft) {
    RaftPeerAddress address() {
      return new RaftPeerAddress(identity.id(), new InetSocketAddress("127.0.0.1", port));
    }

    <T> T read(java.util.function.Function<FederationLedger, T> reader) {
      return machine.read(reader);
    }
  }

  Identity admin;
  Identity outsider;
  List<Coordinator> coordinators;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("Consortium CA", SigningKey.generate(SimulationRandom.fromSeed(4242)),
        Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(3650), SimulationRandom.fromSeed(7));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("ca.crt"), Pem.certificate(ca.certificate()));
    admin = identity("admin");
    outsider = identity("participant");
    coordinators = new ArrayList<>();
    for (String n : List.of("c1", "c2", "c3")) {
      Identity id = identity(n);
      int port = freePort();
      LedgerMachine machine = new LedgerMachine(FED, r -> { });
      RaftGroups raft = new RaftGroups(id.id(), new InetSocketAddress("127.0.0.1", port), dir.resolve(n + "-data"), id.keyFile(),
          id.certFile(), dir.resolve("ca.crt"), FAST, f -> machine);
      raft.start();
      open.add(raft);
      coordinators.add(new Coordinator(id, port, machine, raft));
    }
    List<RaftPeerAddress> peers = coordinators.stream().map(Coordinator::address).toList();
    for (Coordinator c : coordinators) {
      c.raft().join(FED, peers);
    }
    waitFor(() -> coordinators.stream().anyMatch(c -> c.raft().isLeader(FED)));
    LedgerReply genesis = submit(coordinators.get(0).raft(), LedgerActs.sign(LedgerAct.newBuilder()
        .setFederation(FederationId.newBuilder().setName(FED)).setGenesis(genesis()), admin.key()));
    assertTrue(genesis.getAccepted(), genesis.getReason());
    waitFor(() -> coordinators.stream().allMatch(c -> c.read(FederationLedger::headSequence) == 1));
  }

  Genesis genesis() {
    List<LedgerMember> ms = new ArrayList<>();
    ms.add(member(admin, Role.ROLE_ADMIN).build());
    ms.add(member(outsider, Role.ROLE_PARTICIPANT).build());
    for (Coordinator c : coordinators) {
      ms.add(member(c.identity(), Role.ROLE_COORDINATOR_ELIGIBLE).setRaftAddress("127.0.0.1:" + c.port()).build());
    }
    ms.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    return Genesis.newBuilder().addAllMembers(ms).setApprovalsRequired(1).build();
  }

  static LedgerMember.Builder member(Identity i, Role role) {
    return LedgerMember.newBuilder().setNode(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(i.id().toBytes())))
        .setIdentityKey(ByteString.copyFrom(i.key().verifyingKey().subjectPublicKeyInfo())).addRoles(role);
  }

  Identity identity(String name) throws IOException {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(dir.toString().hashCode() * 31L + seed++ * 7 + name.hashCode()));
    NodeCertificateRequest request = NodeCertificateRequest.create(key, List.of("localhost"), List.of(InetAddress.getLoopbackAddress()));
    X509Certificate cert = ca.issue(request, Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(30), SimulationRandom.fromSeed(seed++));
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    Files.writeString(d.resolve("node.key"), Pem.privateKey(key));
    Files.writeString(d.resolve("node.crt"), Pem.certificate(cert));
    return new Identity(name, key, request.nodeId(), d);
  }

  @AfterEach
  void close() {
    clients.forEach(c -> {
      try {
        c.close();
      } catch (IOException e) {
        // closing
      }
    });
    open.forEach(RaftGroups::close);
  }

  static LedgerReply submit(RaftGroups via, LedgerAct act) throws Exception {
    return LedgerReply.parseFrom(via.submit(FED, act.toByteArray()).get(20, TimeUnit.SECONDS));
  }

  /** A plain Ratis client of the federation's group, authenticated as {@code who} (a certificate from the consortium CA). */
  RaftClient clientAs(Identity who) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(who.keyFile().toFile(), who.certFile().toFile(),
        dir.resolve("ca.crt").toFile(), true));
    RaftGroup group = RaftGroup.valueOf(RaftGroups.groupId(FED), coordinators.stream().map(c -> RaftPeer.newBuilder()
        .setId(c.identity().id().hex()).setAddress("127.0.0.1:" + c.port()).build()).toList());
    RaftClient client = RaftClient.newBuilder().setProperties(properties).setParameters(parameters).setRaftGroup(group)
        .setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(5, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
        .build();
    clients.add(client);
    return client;
  }

  static RaftPeerId peerId(Coordinator c) {
    return RaftPeerId.valueOf(c.identity().id().hex());
  }

  /** What the outsider's call got: a successful reply, or why not. */
  static String attempt(ThrowingSupplier<RaftClientReply> call) {
    try {
      RaftClientReply r = call.get();
      return r.isSuccess() ? "success" : "refused: " + r.getException();
    } catch (Exception e) {
      return "refused: " + e;
    }
  }

  interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  @Test
  void aParticipantCannotReadTheLedgerThroughTheRaftPort() throws Exception {
    RaftClient spy = clientAs(outsider);
    String outcome = attempt(() -> spy.io().sendReadOnly(Message.valueOf("anything")));
    if (outcome.equals("success")) {
      LedgerSnapshot leaked = LedgerSnapshot.parseFrom(spy.io().sendReadOnly(Message.valueOf("anything")).getMessage().getContent().toByteArray());
      throw new AssertionError("a participant read the ledger's " + leaked.getRecordsCount() + " record(s) over the Raft port, genesis "
          + "naming " + leaked.getRecords(0).getAct().getGenesis().getMembersCount() + " members");
    }
  }

  @Test
  void aParticipantCannotRemoveTheGroupFromACoordinator() throws Exception {
    RaftClient vandal = clientAs(outsider);
    Coordinator victim = coordinators.get(2);
    Path storage = dir.resolve("c3-data").resolve("ratis").resolve(RaftGroups.groupId(FED).getUuid().toString());
    assertThat(storage).exists();
    String outcome = attempt(() -> vandal.getGroupManagementApi(peerId(victim)).remove(RaftGroups.groupId(FED), true, false));
    assertThat(victim.raft().federations()).as("after the outsider's group removal (" + outcome + "; storage "
        + (Files.exists(storage) ? "still there" : "deleted") + ")").contains(FED);
  }

  @Test
  void aParticipantCannotReconfigureTheRaftGroup() throws Exception {
    RaftClient vandal = clientAs(outsider);
    Coordinator leader = coordinators.stream().filter(c -> c.raft().isLeader(FED)).findFirst().orElseThrow();
    RaftPeer only = RaftPeer.newBuilder().setId(leader.identity().id().hex()).setAddress("127.0.0.1:" + leader.port()).build();
    String outcome = attempt(() -> vandal.admin().setConfiguration(List.of(only)));
    String evidence = "";
    if (!outcome.startsWith("refused")) {
      // The two other coordinators stop; the leader alone still commits an admin's act.
      coordinators.stream().filter(c -> c != leader).forEach(c -> c.raft().close());
      LedgerAct act = LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED))
          .setSeenSequence(1).setSeenHash(leader.read(FederationLedger::headHash))
          .setProposal(Proposal.newBuilder().setApprovalsRequired(1).setReason("committed by one node")), admin.key());
      try {
        LedgerReply r = submit(leader.raft(), act);
        evidence = "; with the other two coordinators down, the leader alone committed an act: " + r.getAccepted()
            + " (head " + leader.read(FederationLedger::headSequence) + ")";
      } catch (Exception e) {
        evidence = "; with the other two down, nothing commits (" + e.getMessage() + ")";
      }
    }
    assertThat(outcome).as("the outsider's setConfiguration to the leader alone: " + outcome + evidence).startsWith("refused");
  }

  @Test
  void aPoisonedEntryIsRefusedAndTheLedgerGoesOn() throws Exception {
    LedgerAct poison = LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED))
        .setSeenSequence(-1L).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), outsider.key());
    String outcome;
    try {
      LedgerReply r = submit(coordinators.get(1).raft(), poison); // what LedgerService.Submit does for a member's own act
      outcome = r.getAccepted() ? "accepted" : "refused: " + r.getReason();
    } catch (Exception e) {
      outcome = "failed: " + e;
    }
    // An honest admin's act afterwards must commit on every replica.
    LedgerAct honest = LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED))
        .setSeenSequence(1).setSeenHash(coordinators.get(0).read(FederationLedger::headHash))
        .setProposal(Proposal.newBuilder().setApprovalsRequired(1).setReason("after the poison")), admin.key());
    String after;
    try {
      LedgerReply r = submit(coordinators.get(0).raft(), honest);
      after = r.getAccepted() ? "accepted" : "refused: " + r.getReason();
    } catch (Exception e) {
      after = "failed: " + e;
    }
    boolean everywhere = waitFor(() -> coordinators.stream().allMatch(c -> c.read(FederationLedger::headSequence) == 2), 10_000);
    String state = coordinators.stream().map(c -> c.identity().name() + ": head " + c.read(FederationLedger::headSequence)
        + ", applied index " + c.raft().appliedIndex(FED) + ", hosts " + c.raft().federations() + ", leader " + c.raft().isLeader(FED))
        .toList().toString();
    String restarted = "";
    if (!everywhere) {
      // A replica restarted from its storage replays its log: the poison comes round again.
      Coordinator c = coordinators.get(2);
      c.raft().close();
      LedgerMachine fresh = new LedgerMachine(FED, r -> { });
      RaftGroups again = new RaftGroups(c.identity().id(), new InetSocketAddress("127.0.0.1", c.port()), dir.resolve("c3-data"),
          c.identity().keyFile(), c.identity().certFile(), dir.resolve("ca.crt"), FAST, f -> fresh);
      again.start();
      open.add(again);
      waitFor(() -> false, 5_000);
      restarted = "; c3 restarted: head " + fresh.read(FederationLedger::headSequence) + ", applied index " + again.appliedIndex(FED)
          + ", hosts " + again.federations();
    }
    assertThat(everywhere).as("poison: " + outcome + "; honest act after it: " + after + "; " + state + restarted).isTrue();
  }

  @Test
  void anotherCasCertificateIsKeptOutOfTheRaftPortAltogether() throws Exception {
    CertificateAuthority rogue = CertificateAuthority.create("Rogue CA", SigningKey.generate(SimulationRandom.fromSeed(999)),
        Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(3650), SimulationRandom.fromSeed(8));
    CertificateAuthority mine = ca;
    ca = rogue;
    Identity stranger = identity("stranger");
    ca = mine;
    RaftClient client = clientAs(stranger);
    assertThat(attempt(() -> client.io().sendReadOnly(Message.valueOf("x")))).startsWith("refused");
    assertThat(attempt(() -> client.getGroupManagementApi(peerId(coordinators.get(2))).remove(RaftGroups.groupId(FED), true, false)))
        .startsWith("refused");
    assertThat(coordinators.get(2).raft().federations()).contains(FED);
  }

  static boolean waitFor(BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  static void waitFor(BooleanSupplier condition) throws InterruptedException {
    assertTrue(waitFor(condition, 30_000), "not reached in 30 s");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
