package io.fedmesh.ml.train.dpsgd;

/**
 * The privacy settings of record-level DP-SGD (Abadi et al. 2016, algorithm 1, with Poisson sampling as
 * the RDP analysis of Mironov, Talwar and Zhang 2019 assumes).
 *
 * @param clipNorm C: each example's whole gradient (all parameters together) is scaled to L2 norm at most C
 * @param noiseMultiplier sigma: noise N(0, (sigma C)^2) is added to every coordinate of each step's sum;
 *     0 (no noise, no privacy) is allowed for tests and baselines
 * @param expectedBatchSize B: each step includes each local example with probability q = B / N, so
 *     batches average B examples; the summed gradient is always divided by B, never by the actual count
 */
public record DpSgdOptions(double clipNorm, double noiseMultiplier, int expectedBatchSize) {

  /** @throws IllegalArgumentException naming the setting out of range */
  public DpSgdOptions {
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("DP-SGD clip norm C must be positive and finite, got " + clipNorm);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException("DP-SGD noise multiplier sigma must be finite and at least 0, got " + noiseMultiplier);
    }
    if (expectedBatchSize < 1) {
      throw new IllegalArgumentException("DP-SGD expected batch size must be at least 1, got " + expectedBatchSize);
    }
  }

  /**
   * The sampling rate q = B / N for {@code dataSize} local examples.
   *
   * @throws IllegalArgumentException if q would fall outside (0, 1]: no data, or B above N
   */
  public double samplingRate(int dataSize) {
    if (dataSize < 1) {
      throw new IllegalArgumentException("DP-SGD needs local data: the sampling rate B / N is undefined for N = " + dataSize);
    }
    if (expectedBatchSize > dataSize) {
      throw new IllegalArgumentException("DP-SGD sampling rate q = B / N = " + expectedBatchSize + " / " + dataSize
          + " is above 1: lower the expected batch size to at most the local data size");
    }
    return (double) expectedBatchSize / dataSize;
  }

  /**
   * Steps in one epoch over {@code dataSize} examples: ceil(N / B), as many as the non-private trainer
   * takes, so an epoch processes at least N examples in expectation. The accountant is charged for
   * exactly the steps taken: epochs times this.
   */
  public int stepsPerEpoch(int dataSize) {
    samplingRate(dataSize); // checks
    return (dataSize + expectedBatchSize - 1) / expectedBatchSize;
  }
}
