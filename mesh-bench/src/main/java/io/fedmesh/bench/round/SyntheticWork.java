package io.fedmesh.bench.round;

import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.coordinator.round.TrainingRequest;
import io.fedmesh.ml.eval.EvaluationCounts;
import java.util.SplittableRandom;

/**
 * A participant that does not train: its update is uniform in [-a, a] in every coordinate, with
 * a = 0.99 clip / sqrt(m), so its L2 norm is below the clip norm whatever the draws (no clipping pass
 * needed); a fresh draw every round from a seeded generator. It reports 1000 training examples, and
 * evaluates to a small valid binary report (10 examples, 64-bin histograms) so that a round ends as
 * soon as every contributor reported instead of at the evaluation deadline. Called on the participant's
 * thread, one call at a time (the {@link LocalWork} contract).
 */
public final class SyntheticWork implements LocalWork {
  /** Local examples every synthetic participant claims. */
  public static final long EXAMPLES = 1000;

  private final double clipNorm;
  private final int classes;
  private final SplittableRandom random;

  /**
   * @param clipNorm the federation's clip norm
   * @param classes the federation's classes (histograms only for 2)
   */
  public SyntheticWork(double clipNorm, int classes, long seed) {
    this.clipNorm = clipNorm;
    this.classes = classes;
    this.random = new SplittableRandom(seed);
  }

  @Override
  public Trained train(float[] global, TrainingRequest request) {
    float[] update = new float[global.length];
    double a = 0.99 * clipNorm / Math.sqrt(global.length);
    for (int i = 0; i < update.length; i++) {
      update[i] = (float) (a * (2 * random.nextDouble() - 1));
    }
    return new Trained(update, EXAMPLES);
  }

  @Override
  public EvaluationCounts evaluate(float[] model) {
    long[][] confusion = new long[classes][classes];
    confusion[0][0] = 4;
    confusion[0][1] = 1;
    confusion[1][0] = 2;
    confusion[1][1] = 3;
    long[] negative = new long[classes == 2 ? EvaluationCounts.SCORE_BINS : 0];
    long[] positive = new long[negative.length];
    if (classes == 2) {
      negative[5] = 4;
      negative[40] = 1;
      positive[10] = 2;
      positive[50] = 3;
    }
    return new EvaluationCounts(10, 5.0, confusion, negative, positive);
  }

  @Override
  public String toString() {
    return "synthetic updates (no training)";
  }
}
