package io.fedmesh.ml.eval;

import java.util.Arrays;

/**
 * Metrics from logits and labels, computed here rather than by the engine so that every number in a
 * report has one definition: loss is mean softmax cross-entropy (log-sum-exp, stable for large
 * logits), AUC the Mann-Whitney statistic with ties counted half.
 */
public final class MetricsCalculator {
  private final int classes;
  private final long[][] confusion; // [true][predicted]
  private double lossSum;
  private int examples;
  private final long[] negativeBins = new long[EvaluationCounts.SCORE_BINS];
  private final long[] positiveBins = new long[EvaluationCounts.SCORE_BINS];
  private float[] positiveScores = new float[1024];
  private boolean[] positive = new boolean[1024];

  public MetricsCalculator(int classes) {
    this.classes = classes;
    this.confusion = new long[classes][classes];
  }

  /** Adds {@code rows} examples: logits row-major ({@code rows x classes}) and their labels. */
  public void add(float[] logits, int[] labels, int from, int rows) {
    for (int r = 0; r < rows; r++) {
      int at = r * classes;
      int label = labels[from + r];
      float max = Float.NEGATIVE_INFINITY;
      int argmax = 0;
      for (int k = 0; k < classes; k++) {
        if (logits[at + k] > max) {
          max = logits[at + k];
          argmax = k;
        }
      }
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += Math.exp(logits[at + k] - max);
      }
      double logSumExp = max + Math.log(sum);
      lossSum += logSumExp - logits[at + label];
      confusion[label][argmax]++;
      if (classes == 2) {
        if (examples == positiveScores.length) {
          positiveScores = Arrays.copyOf(positiveScores, examples * 2);
          positive = Arrays.copyOf(positive, examples * 2);
        }
        // The score of class 1 against class 0: a monotone function of P(class 1).
        positiveScores[examples] = logits[at + 1] - logits[at];
        int bin = EvaluationCounts.bin(1 / (1 + Math.exp(-positiveScores[examples])));
        (label == 1 ? positiveBins : negativeBins)[bin]++;
        positive[examples] = label == 1;
      }
      examples++;
    }
  }

  /** What was added, as counts that add up across datasets (federated evaluation). */
  public EvaluationCounts counts() {
    return classes == 2 ? new EvaluationCounts(examples, lossSum, confusion, negativeBins, positiveBins)
        : new EvaluationCounts(examples, lossSum, confusion, new long[0], new long[0]);
  }

  public Metrics result() {
    if (examples == 0) {
      throw new IllegalStateException("no examples were added");
    }
    long correct = 0;
    for (int k = 0; k < classes; k++) {
      correct += confusion[k][k];
    }
    double precision;
    double recall;
    double f1;
    if (classes == 2) {
      precision = precision(1);
      recall = recall(1);
      f1 = f1(precision, recall);
    } else {
      double p = 0;
      double r = 0;
      double f = 0;
      for (int k = 0; k < classes; k++) {
        double pk = precision(k);
        double rk = recall(k);
        p += pk;
        r += rk;
        f += f1(pk, rk);
      }
      precision = p / classes;
      recall = r / classes;
      f1 = f / classes;
    }
    return new Metrics(examples, lossSum / examples, (double) correct / examples, precision, recall, f1,
        classes == 2 ? auc() : Double.NaN);
  }

  private double precision(int k) {
    long predicted = 0;
    for (int t = 0; t < classes; t++) {
      predicted += confusion[t][k];
    }
    return predicted == 0 ? 0 : (double) confusion[k][k] / predicted;
  }

  private double recall(int k) {
    long actual = Arrays.stream(confusion[k]).sum();
    return actual == 0 ? 0 : (double) confusion[k][k] / actual;
  }

  private static double f1(double p, double r) {
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** P(score of a random positive > score of a random negative), ties counting one half. */
  private double auc() {
    Integer[] order = new Integer[examples];
    for (int i = 0; i < examples; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(positiveScores[a], positiveScores[b]));
    long positives = 0;
    double rankSum = 0;
    int i = 0;
    while (i < examples) {
      int j = i;
      while (j + 1 < examples && positiveScores[order[j + 1]] == positiveScores[order[i]]) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1; // ranks are 1-based; tied scores share their mean rank
      for (int k = i; k <= j; k++) {
        if (positive[order[k]]) {
          positives++;
          rankSum += averageRank;
        }
      }
      i = j + 1;
    }
    long negatives = examples - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
