package io.fedmesh.ml.privacy;

/**
 * The parameters a {@link DdgPlanner} chose for the distributed discrete Gaussian mechanism, and what they
 * give. "Integer units" are those of the scaled, rounded vectors the clients noise and secure aggregation
 * sums; one integer unit is {@code gamma} in the update's own ("original") units.
 *
 * @param bits the modulus is 2^bits
 * @param gamma the quantisation step: original units per integer unit (clients scale by 1/gamma)
 * @param localNoiseStddev sigma, each client's discrete Gaussian standard deviation, in integer units
 * @param beta the conditional rounding parameter
 * @param clip the L2 clipping norm, original units
 * @param dimension the update's dimension before padding
 * @param paddedDimension the dimension the clients rotate and send, a power of two
 * @param clients n, the fewest honest noise-adding clients per round the plan assumes
 * @param rounds the rounds of the run
 * @param samplingRate the Poisson client sampling rate accounted for
 * @param k the standard deviations of the sum that fit in the modulus
 * @param epsilon the epsilon the run spends by {@link DdgAccountant#epsilon} (at most the target)
 * @param delta the delta it is spent at
 * @param order the RDP order that gave epsilon
 * @param expectedSumMse the expected squared error of each coordinate of the decoded sum, original units
 *     squared: n gamma^2 (1/4 + sigma^2), the rounding variance (at most 1/4 per client and coordinate in
 *     integer units) plus the noise variance. It leaves out errors from the sum wrapping around the
 *     modulus (which k makes rare) and the small bias of conditional rounding, as the reference does.
 */
public record DdgPlan(int bits, double gamma, double localNoiseStddev, double beta, double clip, int dimension,
    int paddedDimension, int clients, long rounds, double samplingRate, double k, double epsilon, double delta,
    double order, double expectedSumMse) {

  /** The modulus secure aggregation sums in, 2^bits. */
  public long modulus() {
    return 1L << bits;
  }

  /** 1/gamma, the factor clients multiply their rotated update by before rounding. */
  public double scale() {
    return 1 / gamma;
  }

  /** sigma in original units: gamma times {@link #localNoiseStddev}. */
  public double localNoiseStddevOriginal() {
    return gamma * localNoiseStddev;
  }

  /**
   * The expected squared error of each coordinate of the decoded mean when exactly n clients take part:
   * {@link #expectedSumMse} / n^2, original units squared.
   */
  public double expectedMeanMse() {
    return expectedSumMse / ((double) clients * clients);
  }

  /** The encoding the clients must use for {@link DdgAccountant} to account this plan. */
  public DdgEncoding encoding() {
    return new DdgEncoding(clients, paddedDimension, clip, gamma, beta);
  }
}
