package io.fedmesh.ml.data;

/** A training set and the held-out set the models are scored on. */
public record TrainTestSplit(Dataset train, Dataset test) {

  /** A seeded random hold-out of {@code testFraction} of the rows (at least one row on each side). */
  public static TrainTestSplit holdOut(Dataset all, double testFraction, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
    }
    if (all.size() < 2) {
      throw new IllegalArgumentException("need at least 2 rows to hold some out, got " + all.size());
    }
    int[] order = Shuffle.permutation(all.size(), new java.util.Random(seed));
    int test = Math.max(1, Math.min(all.size() - 1, (int) Math.round(all.size() * testFraction)));
    return new TrainTestSplit(all.subset(java.util.Arrays.copyOfRange(order, test, order.length)),
        all.subset(java.util.Arrays.copyOfRange(order, 0, test)));
  }
}
