package io.fedmesh.ml.strategy;

/**
 * The sum of a round's updates, all the server learns of them: with secure aggregation the
 * individual updates never reach it.
 *
 * @param weightedSum the sum over contributors of weight x update
 * @param totalWeight the divisor the strategy averages by (the sum of weights, or under DP the expected one)
 * @param contributors how many updates are in the sum
 * @param integerSum the same sum as secure aggregation computed it, in integers: weightedSum[i] is
 *     integerSum[i] x integerStep (up to float rounding); null when the sum has no integer form. Central
 *     DP adds its noise here, on the sum's own grid, so that no bit of the output depends on anything but
 *     the noised integer (Mironov 2012).
 * @param integerStep the value of one integer unit of {@code integerSum}; 0 when there is none
 */
public record AggregatedUpdate(float[] weightedSum, double totalWeight, int contributors, long[] integerSum,
    double integerStep) {
  public AggregatedUpdate {
    if ((integerSum == null) != (integerStep == 0)) {
      throw new IllegalArgumentException("an integer sum needs its step, and a step its sum");
    }
    if (integerSum != null && (integerSum.length != weightedSum.length || !(integerStep > 0) || Double.isInfinite(integerStep))) {
      throw new IllegalArgumentException("the integer sum must match the sum's length and have a positive finite step");
    }
  }

  /** A sum with no integer form. */
  public AggregatedUpdate(float[] weightedSum, double totalWeight, int contributors) {
    this(weightedSum, totalWeight, contributors, null, 0);
  }
}
