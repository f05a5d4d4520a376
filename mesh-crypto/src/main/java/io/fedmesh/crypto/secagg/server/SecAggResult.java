package io.fedmesh.crypto.secagg.server;

/**
 * What the server learns: the sum of the survivors' weighted updates, their total weight, and who
 * survived. Nothing about any single client's update.
 *
 * @param weightedSum the decoded sum of w_i * x_i over survivors
 * @param weightTotal the sum of the survivors' weights
 * @param survivors the clients whose inputs are in the sum, ascending
 */
public record SecAggResult(double[] weightedSum, long weightTotal, int[] survivors) {
  /** The weighted mean, sum / total weight; an all-zero weight has no mean. */
  public double[] weightedMean() {
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
