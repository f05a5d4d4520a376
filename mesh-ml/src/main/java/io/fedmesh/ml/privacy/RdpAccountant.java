package io.fedmesh.ml.privacy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Rényi-DP accounting for the Poisson-subsampled Gaussian mechanism, the mechanism of DP-SGD (Abadi et
 * al. 2016) and client-level DP-FedAvg (McMahan et al. 2018).
 *
 * <p><b>Model.</b> At each step every record (a training example, or a participant in client-level
 * DP) is included independently with probability q, the sampling rate (Poisson sampling, not a
 * fixed-size batch or a shuffle). Each included record's update is clipped to L2 norm at most C, the
 * clipped updates are summed, and Gaussian noise N(0, (sigma C)^2) is added to every coordinate of the
 * sum; sigma is the noise multiplier. Neighbouring datasets differ by adding or removing one record.
 * Sampling and noise are fresh and independent at each step; the steps may be chosen adaptively. Under
 * these assumptions one step is (alpha, r(alpha))-RDP with r computed exactly as in Mironov, Talwar and
 * Zhang 2019 (see {@code SampledGaussianRdp}), T steps are (alpha, T r(alpha))-RDP, and mechanisms with
 * different (q, sigma, T) compose by adding their RDP ({@link RdpBudget#plus}).
 *
 * <p><b>Orders.</b> RDP is tracked at {@link #DEFAULT_ORDERS}: 1.1, 1.2, ..., 10.9 (1 + k/10 for k = 1..99)
 * and 12, 13, ..., 63, the grid TF Privacy and Opacus use, so results can be compared with theirs.
 *
 * <p><b>Not covered.</b> Fixed-size or shuffled batches (different bounds), replace-one adjacency (twice
 * the sensitivity), discrete or distributed noise inside secure aggregation (Skellam; the distributed
 * discrete Gaussian has its own bound in {@link DdgAccountant}), and the floating-point attacks on naive
 * Gaussian samplers (Mironov 2012): each of these needs its own accounting, and none is done here.
 */
public final class RdpAccountant {
  /** The RDP orders tracked by default, increasing: 1.1 to 10.9 in steps of 0.1, then 12 to 63. */
  public static final List<Double> DEFAULT_ORDERS;
  /** The largest order a budget may be tracked at (the integer expansion has order + 1 terms). */
  public static final double MAX_ORDER = 1024;
  /**
   * The relative precision of {@link #noiseMultiplier}: the smallest noise multiplier that reaches the
   * target lies in [sigma (1 - 1e-4), sigma] for the sigma returned.
   */
  public static final double NOISE_RELATIVE_TOLERANCE = 1e-4;
  /** The noise multipliers {@link #noiseMultiplier} searches lie in [2^-20, 2^20]. */
  public static final double MIN_NOISE_MULTIPLIER = 0x1p-20;
  /** See {@link #MIN_NOISE_MULTIPLIER}. */
  public static final double MAX_NOISE_MULTIPLIER = 0x1p20;

  static {
    List<Double> orders = new ArrayList<>();
    for (int k = 1; k < 100; k++) {
      orders.add(1 + k / 10.0); // computed as TF Privacy and Opacus compute it, so the doubles are theirs
    }
    for (int order = 12; order < 64; order++) {
      orders.add((double) order);
    }
    DEFAULT_ORDERS = Collections.unmodifiableList(orders);
  }

  private RdpAccountant() {}

  /**
   * The RDP of {@code steps} steps of the sampled Gaussian mechanism at {@link #DEFAULT_ORDERS}.
   *
   * @param samplingRate q, in [0, 1]
   * @param noiseMultiplier sigma, the noise standard deviation over the clipping norm: finite, at least 0
   * @param steps at least 0
   * @throws IllegalArgumentException naming the argument out of range
   */
  public static RdpBudget sampledGaussian(double samplingRate, double noiseMultiplier, long steps) {
    return sampledGaussian(samplingRate, noiseMultiplier, steps, defaultOrders());
  }

  /** {@link #sampledGaussian(double, double, long)} at the given orders (checked as in {@link RdpBudget#of}). */
  public static RdpBudget sampledGaussian(double samplingRate, double noiseMultiplier, long steps, double[] orders) {
    checkSamplingRate(samplingRate);
    checkNoiseMultiplier(noiseMultiplier);
    checkSteps(steps);
    RdpBudget.zero(orders); // checks the orders
    double[] rdp = new double[orders.length];
    if (steps > 0) { // no step spends nothing, even without noise
      for (int i = 0; i < orders.length; i++) {
        rdp[i] = steps * SampledGaussianRdp.rdp(samplingRate, noiseMultiplier, orders[i]);
      }
    }
    return RdpBudget.of(orders, rdp);
  }

  /**
   * The (epsilon, delta) guarantee of {@code steps} steps: {@link #sampledGaussian(double, double, long)}
   * converted by {@link RdpBudget#epsilon}.
   */
  public static DpGuarantee epsilon(double samplingRate, double noiseMultiplier, long steps, double delta) {
    checkDelta(delta);
    return sampledGaussian(samplingRate, noiseMultiplier, steps).epsilon(delta);
  }

  /**
   * The smallest noise multiplier sigma for which {@code steps} steps at sampling rate q are
   * (targetEpsilon, delta)-DP by {@link #epsilon}, found by bisection on log sigma. The sigma returned
   * always meets the target (it was evaluated); the exact smallest one lies within
   * {@link #NOISE_RELATIVE_TOLERANCE} below it. 0 when q = 0 or steps = 0, which spend nothing.
   *
   * <p>No noise brings epsilon below the conversion's floor, what {@link RdpBudget#epsilon} gives for
   * RDP 0 (0.103 at delta = 1e-5), and only noise beyond {@link #MAX_NOISE_MULTIPLIER} brings it close:
   * such targets are refused.
   *
   * @throws IllegalArgumentException naming the argument out of range (targetEpsilon must be finite and
   *     above 0), or if no noise multiplier in [{@link #MIN_NOISE_MULTIPLIER}, {@link
   *     #MAX_NOISE_MULTIPLIER}] meets the target
   */
  public static double noiseMultiplier(double samplingRate, long steps, double delta, double targetEpsilon) {
    checkSamplingRate(samplingRate);
    checkSteps(steps);
    checkDelta(delta);
    if (!(targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("targetEpsilon must be finite and above 0, got " + targetEpsilon);
    }
    double floor = RdpBudget.zero().epsilon(delta).epsilon();
    if (targetEpsilon < floor) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "target epsilon %s is not reachable: the"
          + " conversion to (epsilon, delta) gives %.6f at delta %s even when nothing is spent", targetEpsilon, floor, delta));
    }
    if (samplingRate == 0 || steps == 0) {
      return 0;
    }
    // Invariant: epsilon(hi) <= target < epsilon(lo). More noise never spends more (it is post-processing
    // of less noise), so the bracket always holds the smallest sigma that meets the target.
    double lo;
    double hi = 1;
    if (meets(samplingRate, hi, steps, delta, targetEpsilon)) {
      lo = hi / 2;
      while (meets(samplingRate, lo, steps, delta, targetEpsilon)) {
        if (lo <= MIN_NOISE_MULTIPLIER) {
          throw new IllegalArgumentException(String.format(Locale.ROOT,
              "target epsilon %s is met even with noise multiplier %s; no smaller one is searched",
              targetEpsilon, MIN_NOISE_MULTIPLIER));
        }
        hi = lo;
        lo /= 2;
      }
    } else {
      do {
        if (hi >= MAX_NOISE_MULTIPLIER) {
          throw new IllegalArgumentException(String.format(Locale.ROOT,
              "target epsilon %s is not reachable: noise multiplier %.0f still gives epsilon %.6f at delta %s",
              targetEpsilon, MAX_NOISE_MULTIPLIER, epsilon(samplingRate, hi, steps, delta).epsilon(), delta));
        }
        lo = hi;
        hi *= 2;
      } while (!meets(samplingRate, hi, steps, delta, targetEpsilon));
    }
    while (hi - lo > NOISE_RELATIVE_TOLERANCE * hi) {
      double mid = Math.sqrt(lo * hi);
      if (meets(samplingRate, mid, steps, delta, targetEpsilon)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static boolean meets(double samplingRate, double noiseMultiplier, long steps, double delta, double target) {
    return epsilon(samplingRate, noiseMultiplier, steps, delta).epsilon() <= target;
  }

  static double[] defaultOrders() {
    double[] orders = new double[DEFAULT_ORDERS.size()];
    for (int i = 0; i < orders.length; i++) {
      orders[i] = DEFAULT_ORDERS.get(i);
    }
    return orders;
  }

  // ---- arguments ----

  static void checkSamplingRate(double samplingRate) {
    if (!(samplingRate >= 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("samplingRate must be in [0, 1], got " + samplingRate);
    }
  }

  static void checkNoiseMultiplier(double noiseMultiplier) {
    if (!(noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("noiseMultiplier must be finite and at least 0, got " + noiseMultiplier);
    }
  }

  static void checkSteps(long steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be at least 0, got " + steps);
    }
  }

  static void checkDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
  }
}
