package io.fedmesh.coordinator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InProcessRoundsTest {
  static final int M = 50;

  record Fixture(InProcessRounds rounds, List<NodeId> cohort, FederationSettings settings) {}

  /** n participants; participant i's update is (i+1)/10 in every coordinate, with i+1 examples. */
  static Fixture fixture(int n, Set<Integer> dropping, ParticipantPolicy policy, boolean unitWeights) {
    return fixture(n, dropping, policy, unitWeights, s -> s);
  }

  /** As above, with the federation's settings changed by {@code tweak} (for example to add DP). */
  static Fixture fixture(int n, Set<Integer> dropping, ParticipantPolicy policy, boolean unitWeights,
      java.util.function.UnaryOperator<FederationSettings> tweak) {
    SimulationRandom random = SimulationRandom.fromSeed(7);
    NodeId coordinator = SigningKey.generate(random).verifyingKey().nodeId();
    FederationSettings d = FederationSettings.defaults(coordinator, ModelSpec.logistic(), new int[] {M / 2 - 1}, 2);
    FederationSettings settings = new FederationSettings(coordinator, d.model(), d.inputShape(), 2, 1, "fedavg", 1.0,
        d.training(), 2, 100, 1.0, 1000, 1000, 1000, 0.2, 0.05, 100, unitWeights, 1.0, 0, 1e-5);
    settings = tweak.apply(settings);
    List<InProcessRounds.Member> members = new ArrayList<>();
    List<NodeId> cohort = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SigningKey key = SigningKey.generate(random);
      float value = (i + 1) / 10f;
      long examples = i + 1;
      LocalWork work = new LocalWork() {
        @Override
        public LocalWork.Trained train(float[] global, TrainingRequest request) {
          float[] u = new float[global.length];
          java.util.Arrays.fill(u, value / (float) Math.sqrt(global.length)); // norm = value <= clip 1
          return new LocalWork.Trained(u, examples);
        }

        @Override
        public EvaluationCounts evaluate(float[] model) {
          return new EvaluationCounts(10, 5.0, new long[][] {{4, 1}, {2, 3}}, bins(4, 1, 10), bins(2, 3, 50));
        }
      };
      members.add(new InProcessRounds.Member(key.verifyingKey().nodeId(), key, work, policy, SimulationRandom.fromSeed(100 + i),
          dropping.contains(i)));
      cohort.add(key.verifyingKey().nodeId());
    }
    return new Fixture(new InProcessRounds("test-fed", settings, members), cohort, settings);
  }

  static long[] bins(long low, long high, int at) {
    long[] b = new long[EvaluationCounts.SCORE_BINS];
    b[5] = low;
    b[at] = high;
    return b;
  }

  static float[] model(Fixture f, RoundReport report) {
    return f.rounds().model(io.fedmesh.proto.v1.ModelRef.newBuilder()
        .setSha256(com.google.protobuf.ByteString.fromHex(report.modelSha256())).build(), M);
  }

  static FedAvg fedAvg() {
    return new FedAvg(TrainingOptions.defaults(), 1.0, 1.0, 1.0);
  }

  @Test
  void aRoundCommitsTheWeightedMeanOfTheUpdates() {
    Fixture f = fixture(5, Set.of(), ParticipantPolicy.defaults(), false);
    float[] global = new float[M];
    RoundReport report = f.rounds().run(1, f.cohort(), global, "manifest", fedAvg(), new byte[32]);
    assertTrue(report.committed(), report.reason());
    assertEquals(5, report.contributors());
    float[] next = f.rounds().model(io.fedmesh.proto.v1.ModelRef.newBuilder()
        .setSha256(com.google.protobuf.ByteString.fromHex(report.modelSha256())).build(), M);
    // weights 1..5 (examples, under the cap of 100): mean = sum(w * v) / sum(w)
    double expected = 0;
    for (int i = 0; i < 5; i++) {
      expected += (i + 1) * (i + 1) / 10.0;
    }
    expected = expected / 15 / Math.sqrt(M);
    for (float v : next) {
      assertEquals(expected, v, 2e-3);
    }
    assertEquals(50, report.evaluation().examples());
    assertEquals(0.7, report.evaluation().accuracy(), 1e-9);
    assertEquals(0.5, report.evaluation().meanLoss(), 1e-9);
  }

  @Test
  void aParticipantThatDropsAfterSharingLeavesTheOthersSum() {
    Fixture f = fixture(7, Set.of(2), ParticipantPolicy.defaults(), true);
    RoundReport report = f.rounds().run(1, f.cohort(), new float[M], "m", fedAvg(), new byte[32]);
    assertTrue(report.committed(), report.reason() + " " + f.rounds().participantReports().values().stream()
        .map(RoundReport::reason).toList() + report.refusals());
    assertEquals(6, report.contributors());
  }

  @Test
  void boundedUploadsGoInWavesAndGiveTheSameSum() {
    Fixture f = fixture(7, Set.of(), ParticipantPolicy.defaults(), true);
    RoundReport unbounded = f.rounds().run(1, f.cohort(), new float[M], "m", fedAvg(), new byte[32], 0);
    RoundReport waves = f.rounds().run(2, f.cohort(), new float[M], "m", fedAvg(), new byte[32], 2);
    assertTrue(waves.committed(), waves.reason());
    assertEquals(7, waves.contributors());
    float[] a = model(f, unbounded);
    float[] b = model(f, waves);
    for (int i = 0; i < M; i++) {
      assertEquals(a[i], b[i], 1e-3, "the same updates give the same sum, up to stochastic rounding");
    }
  }

  @Test
  void aSilentUploaderLosesItsSlotAndTheLaterWavesStillGetTheirTurn() {
    Fixture f = fixture(7, Set.of(0), ParticipantPolicy.defaults(), true);
    RoundReport report = f.rounds().run(1, f.cohort(), new float[M], "m", fedAvg(), new byte[32], 2);
    assertTrue(report.committed(), report.reason());
    assertEquals(6, report.contributors());
  }

  @Test
  void participantsDeclineARoundTheirPolicyForbidsAndTheRoundAborts() {
    ParticipantPolicy strict = new ParticipantPolicy(true, 10, 2, 0.1, 0.05, Set.of(), 5);
    Fixture f = fixture(4, Set.of(), strict, false);
    RoundReport report = f.rounds().run(1, f.cohort(), new float[M], "m", fedAvg(), new byte[32]);
    assertFalse(report.committed());
    assertEquals(4, report.declined().size());
    assertTrue(report.declined().values().iterator().next().contains("min_cohort"), report.declined().toString());
  }

  @Test
  void aCohortPaddedWithIdentitiesTheCoordinatorMadeUpIsDeclined() {
    // A lying coordinator surrounds the victims with keys of its own (Sybils): their node ids are no
    // participants of the federation, so every member declines rather than deal shares to them.
    Fixture f = fixture(4, Set.of(), ParticipantPolicy.defaults(), false);
    List<NodeId> padded = new ArrayList<>(f.cohort());
    SimulationRandom random = SimulationRandom.fromSeed(99);
    for (int i = 0; i < 4; i++) {
      padded.add(SigningKey.generate(random).verifyingKey().nodeId());
    }
    RoundReport report = f.rounds().run(1, padded, new float[M], "m", fedAvg(), new byte[32]);
    assertFalse(report.committed());
    assertEquals(4, report.declined().size());
    assertTrue(report.declined().values().stream().allMatch(r -> r.contains("not a participant")), report.declined().toString());
  }

  @Test
  void aRoundNumberNotHigherThanTheLastJoinedIsDeclined() {
    Fixture f = fixture(4, Set.of(), ParticipantPolicy.defaults(), false);
    assertTrue(f.rounds().run(3, f.cohort(), new float[M], "m", fedAvg(), new byte[32]).committed());
    RoundReport replay = f.rounds().run(3, f.cohort(), new float[M], "m", fedAvg(), new byte[32]);
    assertFalse(replay.committed());
    assertTrue(replay.declined().values().stream().allMatch(r -> r.contains("not higher")), replay.declined().toString());
  }
}
