package io.fedmesh.coordinator.round;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.FederationStrategies;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.strategy.Algorithm;
import io.fedmesh.ml.strategy.AggregatedUpdate;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Every algorithm through the real round engines and SecAgg+ (participants with fixed updates): the
 * committed global state is what the strategy computes from the clear weighted sum, so nothing the
 * algorithms add needs an update in the clear; SCAFFOLD's participants get the server control variate
 * and are told when their round committed.
 */
class AlgorithmRoundsTest {
  private static final int M = 24;
  private static final int N = 4;

  private record Fixture(InProcessRounds rounds, List<NodeId> cohort, FederationSettings settings,
      Map<Integer, float[]> controlsSeen, Map<Integer, Boolean> committedSeen) {}

  /** Participant i's model delta is (i+1)/20 in every coordinate, its control delta -(i+1)/40; weight i+1. */
  private static float[] update(int i, boolean scaffold) {
    float[] u = new float[scaffold ? 2 * M : M];
    for (int j = 0; j < M; j++) {
      u[j] = (i + 1) / 20f / (float) Math.sqrt(M) * (j % 2 == 0 ? 1 : -1);
      if (scaffold) {
        u[M + j] = -(i + 1) / 40f / (float) Math.sqrt(M);
      }
    }
    return u;
  }

  private static Fixture fixture(String algorithm) {
    SimulationRandom random = SimulationRandom.fromSeed(11);
    NodeId coordinator = SigningKey.generate(random).verifyingKey().nodeId();
    FederationSettings d = FederationSettings.defaults(coordinator, ModelSpec.logistic(), new int[] {M / 2 - 1}, 2);
    FederationSettings settings = new FederationSettings(coordinator, d.model(), d.inputShape(), 2, 1, algorithm, 0.5,
        new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 8, 0), 2, 100, 1.0, 1000, 1000, 1000, 0.2, 0.05, 100,
        false, 1.0, 0, 1e-5, io.fedmesh.coordinator.federation.PrivacySettings.central(), new AdaptiveOptions(0.9, 0.99, 1e-2));
    boolean scaffold = settings.algorithm() == Algorithm.SCAFFOLD;
    Map<Integer, float[]> controls = new ConcurrentHashMap<>();
    Map<Integer, Boolean> committed = new ConcurrentHashMap<>();
    List<InProcessRounds.Member> members = new ArrayList<>();
    List<NodeId> cohort = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      SigningKey key = SigningKey.generate(random);
      int me = i;
      LocalWork work = new LocalWork() {
        @Override
        public LocalWork.Trained train(float[] global, TrainingRequest request) {
          assertEquals(M, global.length); // the model alone, never the server state
          if (request.serverControl() != null) {
            controls.put(me, request.serverControl().clone());
          }
          return new LocalWork.Trained(update(me, scaffold), me + 1);
        }

        @Override
        public void roundEnded(long round, boolean ok) {
          committed.put(me, ok);
        }

        @Override
        public EvaluationCounts evaluate(float[] model) {
          assertEquals(M, model.length);
          return null;
        }
      };
      members.add(new InProcessRounds.Member(key.verifyingKey().nodeId(), key, work, ParticipantPolicy.defaults(),
          SimulationRandom.fromSeed(200 + i), false));
      cohort.add(key.verifyingKey().nodeId());
    }
    return new Fixture(new InProcessRounds("algorithms", settings, members), cohort, settings, controls, committed);
  }

  /** Two rounds through the engine, and the same two steps of the strategy on the clear weighted sum. */
  private static void matchesTheClearComputation(String name) {
    Fixture f = fixture(name);
    Algorithm algorithm = f.settings().algorithm();
    boolean scaffold = algorithm == Algorithm.SCAFFOLD;
    Strategy strategy = FederationStrategies.of(f.settings(), 1.0, N, SimulationRandom.fromSeed(1));
    float[] model = new float[M];
    for (int j = 0; j < M; j++) {
      model[j] = j / 100f;
    }
    float[] state = algorithm.initialState(model, f.settings().adaptive());
    float[] clear = state.clone();
    float[] sum = new float[scaffold ? 2 * M : M];
    double weight = 0;
    for (int i = 0; i < N; i++) {
      float[] u = update(i, scaffold);
      for (int j = 0; j < u.length; j++) {
        sum[j] += (i + 1) * u[j];
      }
      weight += i + 1;
    }
    for (int round = 1; round <= 2; round++) {
      RoundReport report = f.rounds().run(round, f.cohort(), state, "manifest", strategy, new byte[32]);
      assertTrue(report.committed(), report.reason() + " " + f.rounds().participantReports().values().stream()
          .map(RoundReport::reason).toList());
      float[] next = f.rounds().model(io.fedmesh.proto.v1.ModelRef.newBuilder()
          .setSha256(com.google.protobuf.ByteString.fromHex(report.modelSha256())).build(), state.length);
      clear = strategy.aggregateFit(round, clear, new AggregatedUpdate(sum, weight, N), List.of());
      // Quantisation to the SecAgg grid is the only difference.
      assertArrayEquals(clear, next, 2e-3f, name + " round " + round);
      if (scaffold) {
        float[] c = java.util.Arrays.copyOfRange(state, M, 2 * M);
        f.controlsSeen().values().forEach(seen -> assertArrayEquals(c, seen, "the control variate participants got"));
        assertEquals(N, f.committedSeen().size());
        assertTrue(f.committedSeen().values().stream().allMatch(b -> b));
      } else {
        assertTrue(f.controlsSeen().isEmpty());
      }
      assertFalse(java.util.Arrays.equals(state, next));
      state = clear;
    }
  }

  @Test
  void fedAvgM() {
    matchesTheClearComputation("fedavgm");
  }

  @Test
  void fedAdam() {
    matchesTheClearComputation("fedadam");
  }

  @Test
  void fedYogi() {
    matchesTheClearComputation("fedyogi");
  }

  @Test
  void fedAdagrad() {
    matchesTheClearComputation("fedadagrad");
  }

  @Test
  void scaffold() {
    matchesTheClearComputation("scaffold");
  }

  @Test
  void aCoordinatorWillNotPlanFromAStateOfTheWrongShape() {
    Fixture f = fixture("fedadam");
    Strategy strategy = FederationStrategies.of(f.settings(), 1.0, N, SimulationRandom.fromSeed(1));
    // Only the model (no moments) where fedadam keeps three model-sized vectors.
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> f.rounds().run(1, f.cohort(), new float[M + 1], "manifest", strategy, new byte[32]));
    assertTrue(e.getMessage().contains("fedadam keeps 3"), e.getMessage());
    assertNull(f.controlsSeen().get(0));
  }
}
