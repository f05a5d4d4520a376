package io.fedmesh.crypto.secagg.server;

/**
 * What the server learns: the sum of the survivors' inputs, their total weight, and who survived.
 * Nothing about any single client's input.
 *
 * @param weightedSum the decoded sum of w_i * x_i over survivors (float mode), or null in integer mode
 * @param weightTotal the sum of the survivors' weights (the survivor count in integer mode)
 * @param survivors the clients whose inputs are in the sum, ascending
 * @param integerSum the sum as the 32-bit words it was computed in: in float mode the quantised
 *     weighted sum (signed words; weightedSum[i] is integerSum[i] / the quantiser's scale), in integer
 *     mode the sum of the clients' encodings mod 2^integer_bits (each word in [0, 2^integer_bits), unsigned)
 */
public record SecAggResult(double[] weightedSum, long weightTotal, int[] survivors, int[] integerSum) {

  /** An integer-mode result. */
  public static SecAggResult ofIntegers(int[] integerSum, long weightTotal, int[] survivors) {
    return new SecAggResult(null, weightTotal, survivors, integerSum);
  }

  /** The weighted mean, sum / total weight; an all-zero weight has no mean. */
  public double[] weightedMean() {
    if (weightedSum == null) {
      throw new IllegalStateException("an integer-mode sum has no weighted mean: decode it first");
    }
    if (weightTotal == 0) {
      throw new IllegalStateException("the survivors' total weight is 0: there is no weighted mean");
    }
    double[] out = new double[weightedSum.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = weightedSum[i] / weightTotal;
    }
    return out;
  }
}
