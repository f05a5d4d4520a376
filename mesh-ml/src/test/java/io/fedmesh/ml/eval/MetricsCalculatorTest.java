package io.fedmesh.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Metrics against values worked out by hand. */
class MetricsCalculatorTest {
  @Test
  void binaryMetricsOfAHandWorkedExample() {
    // Scores (logit of class 1 minus class 0): positives 3, 1, 0; negatives 2, 0, -1, -2.
    float[] logits = {0, 3, 0, 1, 0, 0, 0, 2, 0, 0, 0, -1, 0, -2};
    int[] labels = {1, 1, 1, 0, 0, 0, 0};
    MetricsCalculator m = new MetricsCalculator(2);
    m.add(logits, labels, 0, 7);
    Metrics r = m.result();
    // Predicted class 1 when its logit is strictly larger: rows 0, 1, 3. TP = 2, FP = 1, FN = 1.
    assertThat(r.accuracy()).isCloseTo(5 / 7.0, within(1e-12));
    assertThat(r.precision()).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(r.recall()).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(r.f1()).isCloseTo(2 / 3.0, within(1e-12));
    // Pairs won by the positive: 3 beats all 4; 1 beats 0, -1, -2 (3); 0 beats -1, -2 and ties 0 (2.5). 9.5 / 12.
    assertThat(r.auc()).isCloseTo(9.5 / 12, within(1e-12));
    assertThat(r.loss()).isCloseTo(expectedLoss(logits, labels), within(1e-9));
  }

  private static double expectedLoss(float[] logits, int[] labels) {
    double sum = 0;
    for (int i = 0; i < labels.length; i++) {
      double a = logits[2 * i];
      double b = logits[2 * i + 1];
      double p = Math.exp(labels[i] == 1 ? b : a) / (Math.exp(a) + Math.exp(b));
      sum -= Math.log(p);
    }
    return sum / labels.length;
  }

  @Test
  void multiclassMetricsAreMacroAveragedAndHaveNoAuc() {
    float[] logits = {5, 0, 0, 0, 5, 0, 0, 5, 0};
    MetricsCalculator m = new MetricsCalculator(3);
    m.add(logits, new int[] {0, 1, 2}, 0, 3);
    Metrics r = m.result();
    assertThat(r.accuracy()).isCloseTo(2 / 3.0, within(1e-12));
    // Class 0: P 1 R 1; class 1: P 1/2 R 1; class 2: P 0 R 0.
    assertThat(r.precision()).isCloseTo(0.5, within(1e-12));
    assertThat(r.recall()).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(r.auc()).isNaN();
    // Huge logits stay finite (log-sum-exp).
    MetricsCalculator big = new MetricsCalculator(2);
    big.add(new float[] {1e30f, -1e30f}, new int[] {0}, 0, 1);
    assertThat(big.result().loss()).isFinite();
  }
}
