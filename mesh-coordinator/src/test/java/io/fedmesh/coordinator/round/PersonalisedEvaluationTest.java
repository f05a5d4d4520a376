package io.fedmesh.coordinator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.ml.train.Personalisation;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The personalised evaluation through the real engines: participants report their personalised
 * model's counts beside the global model's, the coordinator sums both; a report whose personalised
 * counts are of other data, or that a non-personalising federation did not ask for, is refused whole.
 */
class PersonalisedEvaluationTest {
  private static final int M = 10;

  /** Counts of negatives only: {@code correct} predicted negative, {@code wrong} positive. */
  private static EvaluationCounts counts(long correct, long wrong) {
    long[] negatives = new long[EvaluationCounts.SCORE_BINS];
    negatives[5] = correct + wrong;
    return new EvaluationCounts(correct + wrong, 1.0, new long[][] {{correct, wrong}, {0, 0}}, negatives,
        new long[EvaluationCounts.SCORE_BINS]);
  }

  /** @param liar the participant whose personalised counts cover more examples than its global ones (-1: none) */
  private static RoundReport round(boolean personalising, int liar) {
    SimulationRandom random = SimulationRandom.fromSeed(3);
    NodeId coordinator = SigningKey.generate(random).verifyingKey().nodeId();
    FederationSettings d = FederationSettings.defaults(coordinator, ModelSpec.logistic(), new int[] {M / 2 - 1}, 2);
    FederationSettings settings = new FederationSettings(coordinator, d.model(), d.inputShape(), 2, 1, "fedavg", 1.0,
        d.training(), 2, 100, 1.0, 1000, 1000, 1000, 0.2, 0.05, 100, true, 1.0, 0, 1e-5)
        .withPersonalisation(personalising ? new Personalisation(List.of(), 1) : Personalisation.none());
    List<InProcessRounds.Member> members = new ArrayList<>();
    List<NodeId> cohort = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      SigningKey key = SigningKey.generate(random);
      int me = i;
      LocalWork work = new LocalWork() {
        @Override
        public LocalWork.Trained train(float[] global, TrainingRequest request) {
          float[] u = new float[global.length];
          u[0] = 0.1f;
          return new LocalWork.Trained(u, 10);
        }

        @Override
        public EvaluationCounts evaluate(float[] model) {
          return counts(6, 4); // global: 60 % right
        }

        @Override
        public EvaluationCounts evaluatePersonalised(float[] global) {
          return me == liar ? counts(1000, 0) : counts(9, 1); // personalised: 90 % right
        }
      };
      members.add(new InProcessRounds.Member(key.verifyingKey().nodeId(), key, work, ParticipantPolicy.defaults(),
          SimulationRandom.fromSeed(40 + i), false));
      cohort.add(key.verifyingKey().nodeId());
    }
    InProcessRounds rounds = new InProcessRounds("personal", settings, members);
    return rounds.run(1, cohort, new float[M], "m", new FedAvg(TrainingOptions.defaults(), 1, 1, 1), new byte[32]);
  }

  @Test
  void theCoordinatorSumsTheGlobalAndThePersonalisedCounts() {
    RoundReport report = round(true, -1);
    assertTrue(report.committed(), report.reason());
    assertEquals(40, report.evaluation().examples());
    assertEquals(0.6, report.evaluation().accuracy(), 1e-12);
    assertEquals(40, report.personalised().examples());
    assertEquals(0.9, report.personalised().accuracy(), 1e-12);
  }

  @Test
  void personalisedCountsOfOtherDataAreRefusedWithTheirReport() {
    RoundReport report = round(true, 2);
    assertEquals(30, report.evaluation().examples());
    assertEquals(30, report.personalised().examples());
    assertEquals(1L, report.refusals().get("bad_report"));
  }

  @Test
  void aFederationThatDoesNotPersonaliseTakesNoPersonalisedCounts() {
    RoundReport report = round(false, -1);
    assertTrue(report.committed(), report.reason());
    // The participants here report them all the same (a node's config could disagree): every report refused.
    assertNull(report.personalised());
    assertEquals(4L, report.refusals().get("bad_report"));
  }
}
