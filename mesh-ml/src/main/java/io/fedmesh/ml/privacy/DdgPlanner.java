package io.fedmesh.ml.privacy;

import java.util.Locale;

/**
 * Chooses the quantisation step gamma and the local noise of the distributed discrete Gaussian mechanism
 * for a privacy target and a modulus, as the reference does ({@code accounting_utils.ddgauss_params} of
 * google-research/federated, {@code distributed_dp}; the paper's Section 4 and Eq. 61).
 *
 * <p><b>The trade-off.</b> A finer step (smaller gamma) loses less to rounding, but the scaled sum spans more
 * integers and must still fit in 2^bits. The reference models each coordinate of the noisy sum, in integer
 * units, as subgaussian with variance
 * <pre>{@code v(gamma) = (rho c^2 n^2 / d) / gamma^2 + n (1/4 + sigma(gamma)^2)}</pre>
 * (the signal after a flattening rotation, rho = 1, with the sum's norm at most n c; rounding at most 1/4
 * per client; the noise) and asks that k standard deviations either side fit: 2 k sqrt(v(gamma)) <=
 * 2^bits. sigma(gamma) is the smallest local noise meeting the target for that gamma ({@link
 * DdgAccountant#localNoise}). Both terms of v fall as gamma grows, so the planner bisects (on log gamma)
 * for the smallest gamma that fits; the reference minimises (2^bits - 2 k sqrt(v) )^2 numerically instead,
 * which lands on the same boundary. gamma is searched up to the clipping norm: a coarser step rounds
 * every update to within a unit of zero.
 *
 * <p>The plan always meets the target (its epsilon was evaluated) and always fits the modulus by the
 * model above; the smallest fitting gamma lies within a relative 1e-4 below the one chosen.
 */
public final class DdgPlanner {
  /** The rotation's flatness parameter; the reference's default (its Lemma 29 discusses the choice). */
  static final double RHO = 1;
  static final double GAMMA_RELATIVE_TOLERANCE = 1e-4;

  private DdgPlanner() {}

  /**
   * The plan for {@code request}.
   *
   * @throws IllegalArgumentException if the target cannot be met (below the conversion's floor), or if no
   *     gamma up to the clipping norm fits the sum in 2^bits; the message says how many bits would
   */
  public static DdgPlan plan(DdgPlanRequest request) {
    Search search = new Search(request);
    double hi = request.clip();
    Candidate best = search.evaluate(hi);
    if (!best.fits()) {
      int needed = (int) Math.ceil(Math.log(best.width()) / Math.log(2));
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "no plan: %d bits are too few for %d clients, dimension %d (padded %d), k %s and epsilon %s: the noisy "
              + "sum spans %.4g integers (k standard deviations either side) even at the coarsest step gamma = clip = %s."
              + " The least that fits is %d bits (at that coarse step; a useful plan needs more), or use fewer "
              + "clients per sum, a smaller k or a larger epsilon",
          request.bits(), request.clients(), request.dimension(), search.paddedDimension, plain(request.k()),
          plain(request.targetEpsilon()), best.width(), plain(request.clip()), needed));
    }
    // Invariant: hi fits (best is its candidate), lo does not or is below the search range.
    double lo = hi / 2;
    double smallest = request.clip() * 0x1p-80;
    while (lo > smallest) {
      Candidate c = search.evaluate(lo);
      if (!c.fits()) {
        break;
      }
      hi = lo;
      best = c;
      lo /= 2;
    }
    while (hi - lo > GAMMA_RELATIVE_TOLERANCE * hi) {
      double mid = Math.sqrt(lo * hi);
      Candidate c = search.evaluate(mid);
      if (c.fits()) {
        hi = mid;
        best = c;
      } else {
        lo = mid;
      }
    }
    DdgEncoding encoding = search.encoding(best.gamma());
    DpGuarantee spent = DdgAccountant.epsilon(encoding, best.localNoise(), request.samplingRate(), request.rounds(),
        request.delta());
    double mse = request.clients() * best.gamma() * best.gamma() * (0.25 + best.localNoise() * best.localNoise());
    return new DdgPlan(request.bits(), best.gamma(), best.localNoise(), request.beta(), request.clip(),
        request.dimension(), search.paddedDimension, request.clients(), request.rounds(), request.samplingRate(),
        request.k(), spent.epsilon(), request.delta(), spent.order(), mse);
  }

  /**
   * How many integers k standard deviations either side of a coordinate of the noisy sum span, by the
   * model in the class comment: 2 k sqrt(rho c^2 n^2 / (d gamma^2) + n (1/4 + sigma^2)).
   */
  static double width(DdgPlanRequest request, int paddedDimension, double gamma, double localNoise) {
    double n = request.clients();
    double signal = RHO * request.clip() * request.clip() * n * n / (paddedDimension * gamma * gamma);
    return 2 * request.k() * Math.sqrt(signal + n * (0.25 + localNoise * localNoise));
  }

  private static String plain(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private record Candidate(double gamma, double localNoise, double width, boolean fits) {}

  private static final class Search {
    private final DdgPlanRequest request;
    private final int paddedDimension;
    private final double modulus;

    Search(DdgPlanRequest request) {
      this.request = request;
      this.paddedDimension = DdgEncoding.padded(request.dimension());
      this.modulus = Math.scalb(1.0, request.bits());
    }

    DdgEncoding encoding(double gamma) {
      return new DdgEncoding(request.clients(), paddedDimension, request.clip(), gamma, request.beta());
    }

    Candidate evaluate(double gamma) {
      double sigma = DdgAccountant.localNoise(encoding(gamma), request.samplingRate(), request.rounds(),
          request.delta(), request.targetEpsilon());
      double width = width(request, paddedDimension, gamma, sigma);
      return new Candidate(gamma, sigma, width, width <= modulus);
    }
  }
}
