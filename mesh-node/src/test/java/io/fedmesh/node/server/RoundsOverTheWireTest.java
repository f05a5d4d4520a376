package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.ParticipantStep;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.participant.LocalData;
import io.fedmesh.node.round.RoundStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rounds between real nodes on loopback (mutual TLS, signed envelopes, one participant behind a
 * firewall reached through its relay), in this JVM: the committed model is the one the in-process
 * engine's arithmetic gives for the same inputs, within the quantisation bound.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoundsOverTheWireTest {
  static final String FED = "card-fraud";
  static final int PARTICIPANTS = 5;
  @TempDir
  static Path dir;
  static TestMesh mesh;
  static NodeServer coordinator;
  static final List<NodeServer> participants = new ArrayList<>();
  static final List<Path> configs = new ArrayList<>();

  static String rounds(TestMesh.Identity c) {
    return "    rounds:\n      coordinator: " + c.id().hex() + "\n      model: mlp:8\n      input_shape: [12]\n      classes: 2\n"
        + "      training: {optimizer: sgd, learning_rate: 0.1, epochs: 1, batch_size: 100000}\n"
        + "      participants: {min: 4, max: 100}\n      deadlines_ms: {train: 20000, phase: 10000, evaluation: 10000}\n"
        + "      targets: {dropout: 0.2, corrupt: 0.0}\n      weight_cap: 1000\n      clip_norm: 5.0\n";
  }

  @BeforeAll
  static void start() throws Exception {
    mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity c = mesh.node("coordinator");
    List<TestMesh.Identity> ps = new ArrayList<>();
    for (int i = 0; i < PARTICIPANTS; i++) {
      ps.add(mesh.node("participant" + i));
    }
    StringBuilder members = new StringBuilder("federations:\n  " + FED + ":\n    members:\n      " + c.id().hex()
        + ": [coordinator-eligible, admin]\n");
    ps.forEach(p -> members.append("      ").append(p.id().hex()).append(": [participant]\n"));
    String federation = members + rounds(c);
    String timing = "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    coordinator = mesh.start(dir, c, timing + federation);
    String seed = "seeds: [" + c.id().hex() + "@127.0.0.1:" + coordinator.port() + "]\n";
    for (int i = 0; i < PARTICIPANTS; i++) {
      String own = "participant:\n  " + FED + ":\n    data: {synthetic: {institution: " + i + ", institutions: " + PARTICIPANTS
          + ", rows: 300, seed: 7}}\n    holdout: 0.2\n    policy: {targets: {dropout: 0.2, corrupt: 0.0}}\n";
      String reach = i == PARTICIPANTS - 1 ? "reachable: false\n" : "";
      participants.add(mesh.start(dir, ps.get(i), timing + seed + reach + federation + own));
      configs.add(dir.resolve(ps.get(i).dir().getFileName() + ".yaml"));
    }
    assertThat(TestMesh.waitFor(() -> coordinator.members().size() == PARTICIPANTS + 1 && coordinator.members().values()
        .stream().allMatch(m -> m.state() == io.fedmesh.proto.v1.MemberState.MEMBER_STATE_ALIVE), 30_000))
        .as("the coordinator sees every participant alive").isTrue();
  }

  @AfterAll
  static void stop() {
    for (NodeServer p : participants) {
      try {
        p.close();
      } catch (RuntimeException alreadyClosed) {
        // the second test stopped one
      }
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  @Order(1)
  void twoRoundsCommitTheWeightedMeanOfEveryParticipantsUpdateIncludingTheFirewalledOne() throws Exception {
    float[] initial = initialModel();
    RoundStatus started = coordinator.rounds().start(FED, 1);
    assertThat(started.roundsLeft()).isEqualTo(1);
    assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().history().size() == 1, 120_000))
        .as("round 1 finished").isTrue();
    RoundStatus.Finished first = coordinator.rounds().status(FED).orElseThrow().history().get(0);
    assertThat(first.outcome()).as(first.reason()).isEqualTo("committed");
    assertThat(first.contributors()).isEqualTo(PARTICIPANTS);
    assertThat(first.evaluationExamples()).isEqualTo(PARTICIPANTS * 60L);
    assertThat(first.accuracy()).isBetween(0.0, 1.0);

    float[] committed = ModelBlob.decode(coordinator.rounds().store(FED).get(first.modelSha256()).orElseThrow().blob(),
        initial.length);
    float[] expected = expectedAfterOneRound(initial);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) committed[i]).as("parameter " + i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-3));
    }
    for (NodeServer p : participants) {
      assertThat(p.rounds().store(FED).get(first.modelSha256())).as("every participant fetched the new model").isPresent();
    }
    assertThat(TestMesh.metric(coordinator, "fedmesh_rounds_total{federation=\"card-fraud\",outcome=\"committed\"")).isEqualTo(1);

    coordinator.rounds().start(FED, 1);
    assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().history().size() == 2, 120_000)).isTrue();
    RoundStatus.Finished second = coordinator.rounds().status(FED).orElseThrow().history().get(1);
    assertThat(second.outcome()).as(second.reason()).isEqualTo("committed");
    assertThat(second.round()).isEqualTo(2);
  }

  @Test
  @Order(2)
  void aParticipantThatStopsMidRoundLeavesThatRoundToTheThresholdAndTheNextRoundCommitsWithoutIt() throws Exception {
    int before = coordinator.rounds().status(FED).orElseThrow().history().size();
    coordinator.rounds().start(FED, 2);
    assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().advertised() >= 1, 60_000))
        .as("the round is under way").isTrue();
    participants.get(0).close(); // a crash, as the others see it: its streams and gossip simply stop
    assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().history().size() == before + 2, 180_000))
        .as("both rounds ended").isTrue();
    List<RoundStatus.Finished> history = coordinator.rounds().status(FED).orElseThrow().history();
    RoundStatus.Finished hit = history.get(before);
    RoundStatus.Finished next = history.get(before + 1);
    // Depending on when it stopped: without its keys the round goes on with the others; after its
    // keys but before its graph nonce the round aborts; later, SecAgg+ recovers its masks.
    assertThat(hit.outcome().equals("committed") ? hit.contributors() : PARTICIPANTS - 1).isEqualTo(PARTICIPANTS - 1);
    assertThat(next.outcome()).as(next.reason()).isEqualTo("committed");
    assertThat(next.contributors()).isEqualTo(PARTICIPANTS - 1);
  }

  @Test
  @Order(3)
  void withoutTheCoordinatorRoleNoRoundStarts() {
    coordinator.rounds().coordinatorRole(FED, false, "leadership lost");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> coordinator.rounds().start(FED, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not hold the coordinator role");
    coordinator.rounds().coordinatorRole(FED, true, "");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> participants.get(1).rounds().start(FED, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not the coordinator");
  }

  private static float[] initialModel() {
    try (LocalModel m = new LocalModel(io.fedmesh.ml.model.ModelSpec.parse("mlp:8"), new int[] {12}, 2, 1)) {
      return m.parameters();
    }
  }

  /** FedAvg by hand: global + sum(w_i u_i) / sum(w_i), each u_i trained on full batches (no shuffle effect). */
  private static float[] expectedAfterOneRound(float[] global) throws Exception {
    double[] sum = new double[global.length];
    double weights = 0;
    for (Path config : configs) {
      NodeConfig c = NodeConfig.load(config);
      var settings0 = c.rounds(FED).orElseThrow();
      LocalData data = LocalData.load(c.participant().get(FED)).fitTo(settings0);
      Dataset train = data.train();
      var settings = c.rounds(FED).orElseThrow();
      try (LocalModel m = new LocalModel(settings.model(), settings.inputShape(), settings.classes(), settings.initSeed())) {
        var step = ParticipantStep.run(m, global, train, settings.training(), settings.clipNorm(), false, new Random(1),
            System::nanoTime);
        for (int i = 0; i < sum.length; i++) {
          sum[i] += train.size() * (double) step.update()[i];
        }
        weights += train.size();
      }
    }
    float[] next = global.clone();
    for (int i = 0; i < next.length; i++) {
      next[i] += (float) (sum[i] / weights);
    }
    return next;
  }

}
