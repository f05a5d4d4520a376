package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.node.round.RoundStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCAFFOLD between real nodes (mutual TLS, signed envelopes, DJL training): the control-variate deltas
 * are summed securely beside the model deltas, each participant keeps its control variate in its data
 * directory, and the server's control variate is their average (every participant is in every round,
 * with equal weights), which the coordinator computed without seeing any one of them.
 */
class ScaffoldOverTheWireTest {
  static final String FED = "card-fraud";
  static final int PARTICIPANTS = 3;
  @TempDir
  static Path dir;
  static NodeServer coordinator;
  static final List<NodeServer> participants = new ArrayList<>();
  static final List<Path> dataDirs = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity c = mesh.node("coordinator");
    List<TestMesh.Identity> ps = new ArrayList<>();
    for (int i = 0; i < PARTICIPANTS; i++) {
      ps.add(mesh.node("participant" + i));
    }
    StringBuilder members = new StringBuilder("federations:\n  " + FED + ":\n    members:\n      " + c.id().hex()
        + ": [coordinator-eligible, admin]\n");
    ps.forEach(p -> members.append("      ").append(p.id().hex()).append(": [participant]\n"));
    String federation = members + "    rounds:\n      coordinator: " + c.id().hex() + "\n      model: mlp:8\n"
        + "      input_shape: [12]\n      classes: 2\n      strategy: scaffold\n"
        + "      training: {optimizer: sgd, learning_rate: 0.1, epochs: 1, batch_size: 32}\n"
        + "      participants: {min: 3, max: 100}\n      deadlines_ms: {train: 20000, phase: 10000, evaluation: 10000}\n"
        + "      targets: {dropout: 0.0, corrupt: 0.0}\n      weight_cap: 1000\n      clip_norm: 5.0\n";
    String timing = "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    coordinator = mesh.start(dir, c, timing + federation);
    String seed = "seeds: [" + c.id().hex() + "@127.0.0.1:" + coordinator.port() + "]\n";
    for (int i = 0; i < PARTICIPANTS; i++) {
      String own = "participant:\n  " + FED + ":\n    data: {synthetic: {institution: " + i + ", institutions: " + PARTICIPANTS
          + ", rows: 300, seed: 7}}\n    holdout: 0.2\n    policy: {min_cohort: 3, targets: {dropout: 0.0, corrupt: 0.0}}\n";
      participants.add(mesh.start(dir, ps.get(i), timing + seed + federation + own));
      dataDirs.add(ps.get(i).dir());
    }
    assertThat(TestMesh.waitFor(() -> coordinator.members().size() == PARTICIPANTS + 1 && coordinator.members().values()
        .stream().allMatch(m -> m.state() == io.fedmesh.proto.v1.MemberState.MEMBER_STATE_ALIVE), 30_000)).isTrue();
  }

  @AfterAll
  static void stop() {
    participants.forEach(NodeServer::close);
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  void theServerControlVariateIsTheAverageOfTheParticipantsOwn() throws Exception {
    coordinator.rounds().start(FED, 2);
    assertThat(TestMesh.waitFor(() -> coordinator.rounds().status(FED).orElseThrow().history().size() == 2, 120_000))
        .as("two rounds finished").isTrue();
    RoundStatus.Finished second = coordinator.rounds().status(FED).orElseThrow().history().get(1);
    assertThat(second.outcome()).as(second.reason()).isEqualTo("committed");
    assertThat(second.contributors()).isEqualTo(PARTICIPANTS);

    int n = 12 * 8 + 8 + 8 * 2 + 2;
    float[] state = ModelBlob.decode(coordinator.rounds().store(FED).get(second.modelSha256()).orElseThrow().blob(), 2 * n);
    List<Path> files = dataDirs.stream().map(d -> d.resolve("rounds/" + FED + ".scaffold-control")).toList();
    // Each participant writes its c_i once its round is over for it (after its evaluation).
    assertThat(TestMesh.waitFor(() -> files.stream().allMatch(f -> {
      try {
        return Files.exists(f) && Files.getLastModifiedTime(f).toMillis() > 0 && Files.size(f) == (long) n * Float.BYTES;
      } catch (java.io.IOException e) {
        return false;
      }
    }), 30_000)).isTrue();
    Thread.sleep(500); // the last participant's second write
    float[] mean = new float[n];
    for (Path f : files) {
      float[] ci = ModelBlob.decode(Files.readAllBytes(f), n);
      for (int i = 0; i < n; i++) {
        mean[i] += ci[i] / PARTICIPANTS;
      }
    }
    double largest = 0;
    for (int i = 0; i < n; i++) {
      assertThat((double) state[n + i]).as("c[" + i + "]").isCloseTo(mean[i], org.assertj.core.data.Offset.offset(3e-2));
      largest = Math.max(largest, Math.abs(state[n + i]));
    }
    assertThat(largest).as("the control variate moved").isGreaterThan(0.05);
  }
}
