package io.fedmesh.ml.privacy;

/**
 * What a {@link DdgPlanner} must satisfy: the privacy target, the shape of the round and the modulus.
 *
 * @param targetEpsilon the epsilon the whole run may spend, finite and above 0
 * @param delta in (0, 1)
 * @param dimension the model update's dimension before padding, in [1, 2^30]
 * @param clients n, the fewest honest clients whose noise reaches each round's sum: cohort minus the
 *     dropouts and the corrupt clients a round tolerates; at least 1
 * @param rounds the rounds of the run, at least 0
 * @param samplingRate q, the Poisson client sampling rate, in [0, 1]; 1 claims no amplification (see
 *     {@link DdgAccountant} for when q < 1 is sound)
 * @param clip c, the L2 clipping norm in the update's units, finite and above 0
 * @param bits the modulus is 2^bits: in [1, 62]
 * @param k how many standard deviations of each coordinate of the noisy sum must fit in the modulus: finite,
 *     above 0 (the reference uses 4 for federated training)
 * @param beta the conditional rounding parameter, in [0, 1) (the reference uses exp(-1/2))
 */
public record DdgPlanRequest(double targetEpsilon, double delta, int dimension, int clients, long rounds,
    double samplingRate, double clip, int bits, double k, double beta) {
  /** The reference's default beta, exp(-1/2). */
  public static final double DEFAULT_BETA = Math.exp(-0.5);
  /** The reference's default k for federated training. */
  public static final double DEFAULT_K = 4;

  /** Checks the arguments. @throws IllegalArgumentException naming the one out of range */
  public DdgPlanRequest {
    if (!(targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("targetEpsilon must be finite and above 0, got " + targetEpsilon);
    }
    RdpAccountant.checkDelta(delta);
    DdgEncoding.padded(dimension); // checks the range
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be at least 1, got " + clients);
    }
    if (rounds < 0) {
      throw new IllegalArgumentException("rounds must be at least 0, got " + rounds);
    }
    RdpAccountant.checkSamplingRate(samplingRate);
    if (!(clip > 0 && clip < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("clip must be finite and above 0, got " + clip);
    }
    if (bits < 1 || bits > 62) {
      throw new IllegalArgumentException("bits must be in [1, 62], got " + bits);
    }
    if (!(k > 0 && k < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("k must be finite and above 0, got " + k);
    }
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("beta must be in [0, 1), got " + beta);
    }
  }

  /** This request with another modulus, 2^bits. */
  public DdgPlanRequest withBits(int otherBits) {
    return new DdgPlanRequest(targetEpsilon, delta, dimension, clients, rounds, samplingRate, clip, otherBits, k, beta);
  }
}
