package io.fedmesh.ml.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EvaluationCountsTest {

  /** A noisy binary scorer's logits (rows x 2) and the labels. */
  private record Scored(float[] logits, int[] labels) {
    static Scored of(int rows, long seed) {
      Random random = new Random(seed);
      float[] logits = new float[rows * 2];
      int[] labels = new int[rows];
      for (int r = 0; r < rows; r++) {
        labels[r] = random.nextDouble() < 0.2 ? 1 : 0;
        logits[2 * r + 1] = (float) (random.nextGaussian() + (labels[r] == 1 ? 1.5 : -0.5));
      }
      return new Scored(logits, labels);
    }

    MetricsCalculator into(MetricsCalculator m) {
      m.add(logits, labels, 0, labels.length);
      return m;
    }
  }

  @Test
  void pooledCountsGiveTheMetricsOfThePooledDataAndAnAucWithinTheBinWidth() {
    Scored a = Scored.of(3000, 1);
    Scored b = Scored.of(2000, 2);
    EvaluationCounts pooled = a.into(new MetricsCalculator(2)).counts().plus(b.into(new MetricsCalculator(2)).counts());
    Metrics exact = b.into(a.into(new MetricsCalculator(2))).result(); // the same rows in one calculator
    assertEquals(5000, pooled.examples());
    assertEquals(exact.accuracy(), pooled.accuracy(), 1e-12);
    assertEquals(exact.loss(), pooled.meanLoss(), 1e-9);
    assertEquals(exact.auc(), pooled.auc(), 0.01); // 64 bins: ties within a bin count half
    assertTrue(pooled.auc() > 0.8);
  }

  @Test
  void inconsistentCountsAreRefused() {
    long[] bins = new long[EvaluationCounts.SCORE_BINS];
    bins[3] = 2;
    long[] one = new long[EvaluationCounts.SCORE_BINS];
    one[60] = 1;
    // confusion says 3 examples, histograms say 2 negatives and 1 positive: fine
    new EvaluationCounts(3, 1.0, new long[][] {{2, 0}, {0, 1}}, bins, one);
    assertThrows(IllegalArgumentException.class, () -> new EvaluationCounts(4, 1.0, new long[][] {{2, 0}, {0, 1}}, bins, one));
    assertThrows(IllegalArgumentException.class, () -> new EvaluationCounts(3, 1.0, new long[][] {{1, 1}, {0, 1}}, one, bins));
    assertThrows(IllegalArgumentException.class, () -> new EvaluationCounts(3, -1.0, new long[][] {{2, 0}, {0, 1}}, bins, one));
    assertThrows(IllegalArgumentException.class, () -> new EvaluationCounts(3, Double.NaN, new long[][] {{2, 0}, {0, 1}}, bins, one));
    assertThrows(IllegalArgumentException.class, () -> new EvaluationCounts(3, 1.0, new long[][] {{2, 0, 0}, {0, 1, 0}}, bins, one));
    assertThrows(IllegalArgumentException.class, () -> EvaluationCounts.empty(2).plus(EvaluationCounts.empty(3)));
  }
}
