package io.fedmesh.bench;

import java.util.Arrays;

/** The median of repeated measurements: what benchmarks report on shared, noisy machines. */
public final class Median {
  private Median() {}

  /** The middle value (the mean of the two middle ones for an even count); {@code values} is not changed. */
  public static double of(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no measurements");
    }
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
