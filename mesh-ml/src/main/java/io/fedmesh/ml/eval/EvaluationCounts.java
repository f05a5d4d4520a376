package io.fedmesh.ml.eval;

import java.util.Arrays;

/**
 * A model's evaluation as counts that add up across participants (federated evaluation): examples,
 * the loss sum, the confusion matrix, and for binary tasks histograms of the positive-class
 * probability per true class, from which a pooled ROC AUC follows (exact up to the bin width).
 * Counts reveal more than the pooled metrics (each participant's class balance and error rate, to
 * whoever adds them up): docs/protocol.md says so.
 */
public record EvaluationCounts(long examples, double lossSum, long[][] confusion, long[] negativeScores,
    long[] positiveScores) {
  /** Bins of the positive-class probability for the AUC histograms. */
  public static final int SCORE_BINS = 64;

  public EvaluationCounts {
    confusion = Arrays.stream(confusion).map(long[]::clone).toArray(long[][]::new);
    negativeScores = negativeScores.clone();
    positiveScores = positiveScores.clone();
    int classes = confusion.length;
    if (classes < 2 || Arrays.stream(confusion).anyMatch(row -> row.length != classes)) {
      throw new IllegalArgumentException("confusion matrix must be square with at least 2 classes");
    }
    if (examples < 0 || !(lossSum >= 0) || Double.isInfinite(lossSum)) {
      throw new IllegalArgumentException("examples must be >= 0 and the loss sum finite and >= 0");
    }
    long total = 0;
    for (long[] row : confusion) {
      for (long v : row) {
        if (v < 0) {
          throw new IllegalArgumentException("negative count in the confusion matrix");
        }
        total += v;
      }
    }
    if (total != examples) {
      throw new IllegalArgumentException("confusion matrix counts " + total + " examples, not " + examples);
    }
    boolean binary = classes == 2;
    int bins = binary ? SCORE_BINS : 0;
    if (negativeScores.length != bins || positiveScores.length != bins) {
      throw new IllegalArgumentException(binary ? "binary tasks need " + SCORE_BINS + " score bins per class"
          : "score histograms exist only for binary tasks");
    }
    if (binary && (Arrays.stream(negativeScores).sum() != confusion[0][0] + confusion[0][1]
        || Arrays.stream(positiveScores).sum() != confusion[1][0] + confusion[1][1]
        || Arrays.stream(negativeScores).anyMatch(v -> v < 0) || Arrays.stream(positiveScores).anyMatch(v -> v < 0))) {
      throw new IllegalArgumentException("score histograms do not match the confusion matrix");
    }
  }

  public static EvaluationCounts empty(int classes) {
    int bins = classes == 2 ? SCORE_BINS : 0;
    return new EvaluationCounts(0, 0, new long[classes][classes], new long[bins], new long[bins]);
  }

  public int classes() {
    return confusion.length;
  }

  @Override
  public long[][] confusion() {
    return Arrays.stream(confusion).map(long[]::clone).toArray(long[][]::new);
  }

  @Override
  public long[] negativeScores() {
    return negativeScores.clone();
  }

  @Override
  public long[] positiveScores() {
    return positiveScores.clone();
  }

  /** The sum of both (same number of classes). */
  public EvaluationCounts plus(EvaluationCounts other) {
    if (other.classes() != classes()) {
      throw new IllegalArgumentException("cannot add counts of " + other.classes() + " classes to " + classes());
    }
    long[][] c = confusion();
    for (int i = 0; i < c.length; i++) {
      for (int j = 0; j < c.length; j++) {
        c[i][j] = Math.addExact(c[i][j], other.confusion[i][j]);
      }
    }
    long[] neg = negativeScores();
    long[] pos = positiveScores();
    for (int i = 0; i < neg.length; i++) {
      neg[i] = Math.addExact(neg[i], other.negativeScores[i]);
      pos[i] = Math.addExact(pos[i], other.positiveScores[i]);
    }
    return new EvaluationCounts(Math.addExact(examples, other.examples), lossSum + other.lossSum, c, neg, pos);
  }

  public double meanLoss() {
    return examples == 0 ? Double.NaN : lossSum / examples;
  }

  public double accuracy() {
    if (examples == 0) {
      return Double.NaN;
    }
    long correct = 0;
    for (int k = 0; k < confusion.length; k++) {
      correct += confusion[k][k];
    }
    return (double) correct / examples;
  }

  /** ROC AUC from the histograms (ties within a bin count half); NaN unless binary with both classes present. */
  public double auc() {
    if (classes() != 2) {
      return Double.NaN;
    }
    long negatives = Arrays.stream(negativeScores).sum();
    long positives = Arrays.stream(positiveScores).sum();
    if (negatives == 0 || positives == 0) {
      return Double.NaN;
    }
    double pairs = 0;
    long negativesBelow = 0;
    for (int b = 0; b < SCORE_BINS; b++) {
      pairs += positiveScores[b] * (negativesBelow + negativeScores[b] / 2.0);
      negativesBelow += negativeScores[b];
    }
    return pairs / ((double) positives * negatives);
  }

  /** The bin of a positive-class probability. */
  public static int bin(double probability) {
    return (int) Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(probability * SCORE_BINS)));
  }
}
