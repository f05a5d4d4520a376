package io.fedmesh.coordinator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.train.Personalisation;
import io.fedmesh.proto.v1.EvaluationReport;
import io.fedmesh.proto.v1.RoundMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Malicious participants' evaluation reports in a personalising federation (issue 17): personalised
 * counts that are huge, of other data, nested, sent twice, or that make a sum overflow must neither be
 * counted twice nor push honest reports out.
 */
class PersonalisedReportsRedTeamTest {
  private static final int N = 4;

  private static RoundAttackHarness harness() {
    return new RoundAttackHarness(N, s -> s.withPersonalisation(new Personalisation(List.of(), 1)));
  }

  /** Every participant's report with a personalised copy of its counts, then {@code edit} applied to it. */
  private static RoundReport run(RoundAttackHarness h, Function<RoundAttackHarness.Delivery, List<EvaluationReport>> edit) {
    h.tap = d -> {
      if (!d.message().hasEvaluation()) {
        return List.of(d);
      }
      EvaluationReport r = d.message().getEvaluation();
      EvaluationReport honest = r.toBuilder().setPersonalised(r).build();
      List<EvaluationReport> sent = edit.apply(new RoundAttackHarness.Delivery(d.from(), d.to(),
          d.message().toBuilder().setEvaluation(honest).build()));
      List<RoundAttackHarness.Delivery> out = new ArrayList<>();
      for (EvaluationReport e : sent) {
        out.add(new RoundAttackHarness.Delivery(d.from(), d.to(), d.message().toBuilder().setEvaluation(e).build()));
      }
      return out;
    };
    h.start(1);
    h.run();
    h.drain();
    return h.report();
  }

  @Test
  void honestPersonalisedReportsAreSummed() {
    RoundReport report = run(harness(), d -> List.of(d.message().getEvaluation()));
    assertTrue(report.committed(), report.reason());
    assertEquals(10L * N, report.evaluation().examples());
    assertEquals(10L * N, report.personalised().examples());
  }

  /**
   * A report refused for its personalised part must not leave its global part counted: the sender could
   * send it again (refused reports may be resent) and have its global counts added twice.
   */
  @Test
  void aReportRefusedForItsPersonalisedSumIsNotHalfCounted() {
    RoundAttackHarness h = harness();
    NodeId first = h.cohort.get(0);
    NodeId second = h.cohort.get(1);
    RoundReport report = run(h, d -> {
      EvaluationReport honest = d.message().getEvaluation();
      EvaluationReport huge = honest.toBuilder().setPersonalised(honest.getPersonalised().toBuilder()
          .setLossSum(Double.MAX_VALUE)).build();
      if (d.from().equals(first)) {
        return List.of(huge, honest);
      }
      if (d.from().equals(second)) {
        return List.of(huge, huge, huge, honest); // each huge one overflows the personalised loss sum
      }
      return List.of(honest);
    });
    assertTrue(report.committed(), report.reason());
    assertEquals(10L * N, report.evaluation().examples(), "global counts added once per contributor");
    assertEquals(10L * N, report.personalised().examples());
  }

  /**
   * A finite but enormous loss sum (Double.MAX_VALUE for 10 examples) is refused like an out-of-range
   * count: otherwise it sets the federation's mean loss alone, and two of them overflow the sum.
   */
  @Test
  void anEnormousLossSumIsRefusedLikeAnOutOfRangeCount() {
    RoundAttackHarness h = harness();
    NodeId first = h.cohort.get(0);
    RoundReport report = run(h, d -> {
      EvaluationReport honest = d.message().getEvaluation();
      return List.of(d.from().equals(first) ? honest.toBuilder().setLossSum(Double.MAX_VALUE).build() : honest);
    });
    assertTrue(report.committed(), report.reason());
    assertEquals(10L * (N - 1), report.evaluation().examples(), "the three honest reports counted");
  }

  /** Personalised counts with the global count of examples but another class balance are not of the same data. */
  @Test
  void personalisedCountsOfAnotherClassBalanceAreRefused() {
    RoundAttackHarness h = harness();
    NodeId liar = h.cohort.get(2);
    RoundReport report = run(h, d -> {
      EvaluationReport honest = d.message().getEvaluation();
      if (!d.from().equals(liar)) {
        return List.of(honest);
      }
      // Global: true class 0 = 5, class 1 = 5. Claimed personalised: all 10 of class 0, all right.
      var p = honest.getPersonalised().toBuilder().clearConfusion().addConfusion(10).addConfusion(0).addConfusion(0)
          .addConfusion(0).clearNegativeScores().clearPositiveScores();
      for (int b = 0; b < io.fedmesh.ml.eval.EvaluationCounts.SCORE_BINS; b++) {
        p.addNegativeScores(b == 1 ? 10 : 0).addPositiveScores(0);
      }
      return List.of(honest.toBuilder().setPersonalised(p).build());
    });
    assertTrue(report.committed(), report.reason());
    assertEquals(10L * (N - 1), report.personalised().examples());
    assertEquals(10L * (N - 1), report.evaluation().examples());
  }

  @Test
  void nestedTwiceOrMismatchedPersonalisedCountsAreRefusedWhole() {
    RoundAttackHarness h = harness();
    NodeId nested = h.cohort.get(0);
    NodeId twice = h.cohort.get(1);
    NodeId more = h.cohort.get(2);
    RoundReport report = run(h, d -> {
      EvaluationReport honest = d.message().getEvaluation();
      if (d.from().equals(nested)) {
        return List.of(honest.toBuilder().setPersonalised(honest.getPersonalised().toBuilder().setPersonalised(honest)).build());
      }
      if (d.from().equals(twice)) {
        return List.of(honest, honest);
      }
      if (d.from().equals(more)) {
        var p = honest.getPersonalised().toBuilder().setExamples(1L << 41).setConfusion(0, (1L << 41) - 6);
        return List.of(honest.toBuilder().setPersonalised(p).build());
      }
      return List.of(honest);
    });
    assertTrue(report.committed(), report.reason());
    assertEquals(20, report.evaluation().examples());
    assertEquals(20, report.personalised().examples());
  }
}
