package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.round.RoundStatus;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.MeshGrpc;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.ModelRequest;
import io.fedmesh.proto.v1.RoundDecline;
import io.fedmesh.proto.v1.RoundInvitation;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundOutcome;
import io.fedmesh.proto.v1.RoundPlan;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rogue members against real nodes on loopback (mutual TLS, envelopes they sign themselves): a
 * coordinator, four honest participants and one member that is up but never answers rounds. The
 * rogues have certificates of the consortium CA and open Connect streams of their own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoundsRedTeamOverTheWireTest {
  static final String FED = "card-fraud";
  static final int HONEST = 4;
  @TempDir
  static Path dir;
  static TestMesh mesh;
  static NodeServer coordinator;
  static NodeServer silent;
  static final List<NodeServer> participants = new ArrayList<>();
  static TestMesh.Identity standby; // coordinator-eligible, not the federation's coordinator
  static TestMesh.Identity member; // participant role, not running
  static TestMesh.Identity outsider; // a certificate of the CA, in no federation
  static final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity c = mesh.node("coordinator");
    standby = mesh.node("standby");
    member = mesh.node("member");
    outsider = mesh.node("outsider");
    TestMesh.Identity quiet = mesh.node("quiet");
    List<TestMesh.Identity> ps = new ArrayList<>();
    for (int i = 0; i < HONEST; i++) {
      ps.add(mesh.node("participant" + i));
    }
    StringBuilder members = new StringBuilder("federations:\n  " + FED + ":\n    members:\n      " + c.id().hex()
        + ": [coordinator-eligible, admin]\n      " + standby.id().hex() + ": [coordinator-eligible]\n      "
        + member.id().hex() + ": [participant]\n      " + quiet.id().hex() + ": [participant]\n");
    ps.forEach(p -> members.append("      ").append(p.id().hex()).append(": [participant]\n"));
    String federation = members + "    rounds:\n      coordinator: " + c.id().hex()
        + "\n      model: mlp:8\n      input_shape: [12]\n      classes: 2\n"
        + "      training: {optimizer: sgd, learning_rate: 0.1, epochs: 1, batch_size: 100000}\n"
        + "      participants: {min: 4, max: 100}\n      deadlines_ms: {train: 5000, phase: 4000, evaluation: 4000}\n"
        + "      targets: {dropout: 0.2, corrupt: 0.0}\n      weight_cap: 1000\n      clip_norm: 5.0\n";
    String timing = "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\nlimits: {envelopes_per_s: 200, envelope_burst: 400}\n";
    coordinator = mesh.start(dir, c, timing + federation);
    String seed = "seeds: [" + c.id().hex() + "@127.0.0.1:" + coordinator.port() + "]\n";
    for (int i = 0; i < HONEST; i++) {
      String own = "participant:\n  " + FED + ":\n    data: {synthetic: {institution: " + i + ", institutions: " + HONEST
          + ", rows: 300, seed: 7}}\n    holdout: 0.2\n    policy: {targets: {dropout: 0.2, corrupt: 0.0}}\n";
      participants.add(mesh.start(dir, ps.get(i), timing + seed + federation + own));
    }
    // Up and in the federation as a participant, but with no participant section: it never answers a round.
    silent = mesh.start(dir, quiet, timing + seed + federation);
    assertThat(TestMesh.waitFor(() -> coordinator.members().size() == HONEST + 2 && coordinator.members().values()
        .stream().allMatch(m -> m.state() == io.fedmesh.proto.v1.MemberState.MEMBER_STATE_ALIVE), 30_000))
        .as("the coordinator sees every node alive").isTrue();
  }

  @AfterAll
  static void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    for (NodeServer p : participants) {
      p.close();
    }
    if (silent != null) {
      silent.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  /** A rogue's own Connect stream to {@code node}, sending envelopes it signs with its own key. */
  static final class Rogue {
    final TestMesh.Identity who;
    final SigningKey key;
    final StreamObserver<Envelope> stream;
    final SecureRandom random = new SecureRandom();

    Rogue(TestMesh.Identity who, NodeServer node) throws Exception {
      this.who = who;
      this.key = Pem.readPrivateKey(Files.readString(who.key()));
      ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
      closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      this.stream = MeshGrpc.newStub(channel).connect(new StreamObserver<>() {
        @Override
        public void onNext(Envelope value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      closing.add(() -> {
        try {
          stream.onCompleted();
        } catch (RuntimeException closed) {
          // already closed
        }
      });
    }

    void send(NodeId to, String federation, RoundMessage message) {
      byte[] id = new byte[Envelopes.MESSAGE_ID_BYTES];
      random.nextBytes(id);
      Envelope e = Envelope.newBuilder()
          .setFederation(FederationId.newBuilder().setName(federation))
          .setSender(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(who.id().toBytes())))
          .setRecipient(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(to.toBytes())))
          .setMessageId(ByteString.copyFrom(id)).setSentAtUnixMillis(System.currentTimeMillis()).setKind(Kind.KIND_ROUND)
          .setRound(message).build();
      synchronized (this) {
        stream.onNext(Envelopes.sign(e, key));
      }
    }
  }

  /** The sum of {@code name}'s samples whose labels include every one of {@code labels} (e.g. reason="busy"). */
  static double metric(NodeServer node, String name, String... labels) {
    return node.metrics().scrape().lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> java.util.Arrays.stream(labels).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  static double refusals(NodeServer node, String role, String reason) {
    return metric(node, "fedmesh_round_refusals_total", "role=\"" + role + "\"", "reason=\"" + reason + "\"");
  }

  static NodeId id(NodeServer node) {
    return node.id();
  }

  static RoundStatus.Finished runOneRound(Runnable duringTheRound) throws Exception {
    int before = coordinator.rounds().status(FED).orElseThrow().history().size();
    coordinator.rounds().start(FED, 1);
    assertThat(TestMesh.waitFor(() -> !coordinator.rounds().status(FED).orElseThrow().phase().equals("idle"), 10_000)).isTrue();
    duringTheRound.run();
    assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().history().size() == before + 1, 90_000))
        .as("the round ended").isTrue();
    return coordinator.rounds().status(FED).orElseThrow().history().get(before);
  }

  /**
   * A member that is up but never answers: the round waits the training deadline for it, then goes on
   * with the others and commits.
   */
  @Test
  @Order(1)
  void aMemberThatNeverAnswersCostsTheRoundOnlyTheTrainingDeadline() throws Exception {
    long t0 = System.nanoTime();
    RoundStatus.Finished r = runOneRound(() -> { });
    assertThat(r.outcome()).as(r.reason()).isEqualTo("committed");
    assertThat(r.contributors()).isEqualTo(HONEST);
    assertThat((System.nanoTime() - t0) / 1e6).as("waited the 5 s training deadline, not much more").isBetween(5_000.0, 40_000.0);
    assertThat(refusals(silent, "participant", "not_participant_here")).isGreaterThanOrEqualTo(1);
  }

  /**
   * A coordinator-eligible member that is not the federation's coordinator sends every participant an
   * invitation of a higher round while a genuine round runs: the participants must decline it without
   * dropping the round they are in.
   */
  @Test
  @Order(2)
  void aRogueStandbyCannotKnockParticipantsOutOfARoundWithHigherInvitations() throws Exception {
    List<Rogue> rogues = new ArrayList<>();
    for (NodeServer p : participants) {
      rogues.add(new Rogue(standby, p));
    }
    AtomicBoolean running = new AtomicBoolean(true);
    Thread attacker = new Thread(() -> {
      long round = 1_000_000;
      while (running.get()) {
        for (int i = 0; i < rogues.size(); i++) {
          {
            RoundMessage invitation = RoundMessage.newBuilder().setRound(round++).setRoundNonce(ByteString.copyFrom(new byte[32]))
                .setInvitation(RoundInvitation.newBuilder().setPlan(RoundPlan.getDefaultInstance())).build();
            rogues.get(i).send(id(participants.get(i)), FED, invitation);
          }
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "rogue-standby");
    RoundStatus.Finished r;
    try {
      r = runOneRound(attacker::start);
    } finally {
      running.set(false);
      attacker.join(5_000);
    }
    assertThat(r.outcome()).as(r.reason()).isEqualTo("committed");
    assertThat(r.contributors()).isEqualTo(HONEST);
    for (NodeServer p : participants) {
      assertThat(metric(p, "fedmesh_participant_rounds_total", "outcome=\"declined\"")).as("the rogue's invitations declined")
          .isGreaterThanOrEqualTo(1);
    }
  }

  /**
   * Round envelopes from someone outside the federation, from a member without the role that may send
   * them, or to a role a node does not have: refused and counted, no engine touched.
   */
  @Test
  @Order(3)
  void roundMessagesFromTheWrongMembersAreRefusedAndCounted() throws Exception {
    NodeId c = id(coordinator);
    NodeId p0 = id(participants.get(0));
    RoundMessage decline = RoundMessage.newBuilder().setRound(1).setDecline(RoundDecline.newBuilder().setReason("x")).build();
    RoundMessage outcome = RoundMessage.newBuilder().setRound(1).setOutcome(RoundOutcome.newBuilder().setCommitted(false)).build();
    new Rogue(outsider, coordinator).send(c, FED, decline);
    new Rogue(standby, coordinator).send(c, FED, decline); // no participant role
    Rogue asMember = new Rogue(member, participants.get(0));
    asMember.send(p0, FED, outcome); // no coordinator-eligible role
    asMember.send(p0, "another-federation", outcome);
    new Rogue(member, coordinator).send(c, FED, decline); // a participant, but no round of it runs here
    assertThat(TestMesh.waitFor(() -> refusals(coordinator, "coordinator", "not_a_participant") >= 1
        && refusals(participants.get(0), "participant", "not_coordinator_eligible") >= 1, 10_000)).isTrue();
    assertThat(TestMesh.waitFor(() -> metric(coordinator, "fedmesh_round_refusals_total", "reason=\"not_a_member\"")
        + metric(coordinator, "fedmesh_envelopes_refused_total") >= 1, 10_000)).as("the outsider refused").isTrue();
    System.out.println("refusals at the coordinator: " + coordinator.metrics().scrape().lines()
        .filter(l -> l.startsWith("fedmesh_round_refusals_total") || l.startsWith("fedmesh_envelopes_refused_total")).toList());
  }

  /**
   * A member floods the coordinator with round envelopes (each a model request for a made-up model)
   * during a round: the router's per-sender limit drops most of them, and the round commits.
   */
  @Test
  @Order(4)
  void aFloodOfRoundEnvelopesAtTheCoordinatorIsRateLimitedAndTheRoundCommits() throws Exception {
    Rogue flooder = new Rogue(member, coordinator);
    NodeId c = id(coordinator);
    AtomicBoolean running = new AtomicBoolean(true);
    long[] sent = new long[1];
    Thread flood = new Thread(() -> {
      RoundMessage ask = RoundMessage.newBuilder().setRound(99).setModelRequest(ModelRequest.newBuilder()
          .setModel(ModelRef.newBuilder().setSha256(ByteString.copyFrom(new byte[32])).setSizeBytes(1 << 20))).build();
      while (running.get()) {
        flooder.send(c, FED, ask);
        sent[0]++;
        if (sent[0] % 200 == 0) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "rogue-flood");
    double limitedBefore = metric(coordinator, "fedmesh_limits_reached_total", "limit=\"envelope_rate\"");
    RoundStatus.Finished r;
    try {
      r = runOneRound(flood::start);
    } finally {
      running.set(false);
      flood.join(5_000);
    }
    System.out.println("flood: " + sent[0] + " envelopes sent; limited "
        + (metric(coordinator, "fedmesh_limits_reached_total", "limit=\"envelope_rate\"") - limitedBefore)
        + "; coordinator refusals " + coordinator.metrics().scrape().lines()
        .filter(l -> l.startsWith("fedmesh_round_refusals_total")).toList());
    assertThat(r.outcome()).as(r.reason()).isEqualTo("committed");
    assertThat(r.contributors()).isEqualTo(HONEST);
    assertThat(metric(coordinator, "fedmesh_limits_reached_total", "limit=\"envelope_rate\"")).isGreaterThan(limitedBefore);
  }
}
