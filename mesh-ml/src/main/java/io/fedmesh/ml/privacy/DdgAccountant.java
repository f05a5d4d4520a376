package io.fedmesh.ml.privacy;

import java.util.Locale;

/**
 * Rényi-DP accounting for the distributed discrete Gaussian (DDG) mechanism of Kairouz, Liu and Steinke
 * (ICML 2021, arXiv 2102.06387): every client encodes its update as {@link DdgEncoding} describes, adds
 * discrete Gaussian noise N_Z(0, sigma^2) to each integer coordinate, and secure aggregation reveals only
 * the sum (modulo 2^bits, which is post-processing and costs no privacy).
 *
 * <p><b>Bound.</b> A sum of n discrete Gaussians is not a discrete Gaussian; the paper bounds how far it is
 * (its Theorem 1, and per order Proposition 14 / Eq. 17, as the reference {@code
 * accounting_utils.compute_rdp_dgaussian} implements it). With sigma the local noise in integer units
 * (the paper states it for sigma >= 1/2, so smaller noise is refused),
 * <pre>{@code
 * tau = 10 sum_{k=1..n-1} exp(-2 pi^2 sigma^2 k / (k+1))
 * s2  = Delta_2 / (sqrt(n) sigma),   s1 = Delta_1 / (sqrt(n) sigma)
 * eps(alpha) = min( alpha/2 s2^2 + tau d,
 *                   alpha/2 (s2^2 + 2 s1 tau + tau^2 d),
 *                   alpha/2 (s2 + sqrt(d) tau)^2 )
 * }</pre>
 * with Delta_2 and Delta_1 the sensitivities after scaling and conditional rounding ({@link
 * DdgEncoding#l2Sensitivity}, {@link DdgEncoding#l1Sensitivity}) and d the padded dimension. As tau goes to
 * 0 this is the continuous Gaussian's alpha Delta_2^2 / (2 n sigma^2). Rounds compose by adding RDP; the
 * budget is tracked at {@link RdpAccountant#DEFAULT_ORDERS}, so it adds to Gaussian budgets with {@link
 * RdpBudget#plus}.
 *
 * <p><b>Neighbours.</b> The sensitivity is one client's rounded update, so neighbouring inputs differ in
 * one client's update, replaced by zero while that client stays in the round and still adds its noise
 * share (zero-out). n counts the honest clients that add noise, the target included: more noise shares
 * than n only add independent noise to the sum (post-processing), so the bound at n covers any round in
 * which at least n honest clients survive. Corrupt clients' noise is known to the adversary and does not
 * count.
 *
 * <p><b>Sampling.</b> With q = 1 no amplification is claimed. With q in (0, 1) the reference's
 * amplification is applied: Zhu and Wang's Theorem 5 ({@link PoissonSubsampledRdp}) at the integer order
 * ceil(alpha) (RDP never falls as the order grows, so it bounds order alpha too), and the smaller of that
 * and the unamplified eps(alpha). This holds only against observers who do not learn which clients were
 * sampled: the model's users, not the coordinator, which learns every round's cohort from secure
 * aggregation itself. It also takes, as the reference does, the number of noise shares as fixed whether
 * or not the target was sampled. Against the coordinator, account with q = 1.
 */
public final class DdgAccountant {
  /** The smallest local noise, in integer units, for which the paper states its bound. */
  public static final double MIN_LOCAL_NOISE = 0.5;
  /** The largest local noise {@link #localNoise} searches, in integer units. */
  public static final double MAX_LOCAL_NOISE = 0x1p40;
  /** The relative precision of {@link #localNoise}, as {@link RdpAccountant#NOISE_RELATIVE_TOLERANCE}. */
  public static final double NOISE_RELATIVE_TOLERANCE = 1e-4;
  /** tau's sum is computed term by term up to this k; the rest is bounded above by its largest term. */
  static final int TAU_EXACT_TERMS = 1 << 20;

  private DdgAccountant() {}

  /**
   * tau of the paper's Theorem 1 for n clients each adding N_Z(0, sigma^2): 10 sum_{k=1}^{n-1}
   * exp(-2 pi^2 sigma^2 k/(k+1)). For n beyond {@link #TAU_EXACT_TERMS} the remaining terms are each
   * bounded by the first of them (the terms grow with k), so the value returned is never below tau.
   */
  public static double tau(int clients, double localNoise) {
    double a = 2 * Math.PI * Math.PI * localNoise * localNoise;
    long exact = Math.min(clients - 1L, TAU_EXACT_TERMS);
    double sum = 0;
    for (long k = 1; k <= exact; k++) {
      sum += Math.exp(-a * k / (k + 1));
    }
    long rest = clients - 1L - exact;
    if (rest > 0) {
      sum += rest * Math.exp(-a * exact / (exact + 1));
    }
    return 10 * sum;
  }

  /**
   * The RDP of {@code rounds} rounds at {@link RdpAccountant#DEFAULT_ORDERS}.
   *
   * @param encoding how clients quantise (n, d, c, gamma, beta)
   * @param localNoise sigma, each client's discrete Gaussian standard deviation in integer units: finite, at
   *     least {@link #MIN_LOCAL_NOISE}
   * @param samplingRate q in [0, 1]; see the class comment for when q < 1 is sound
   * @param rounds at least 0
   * @throws IllegalArgumentException naming the argument out of range
   */
  public static RdpBudget rdp(DdgEncoding encoding, double localNoise, double samplingRate, long rounds) {
    return rdp(encoding, localNoise, samplingRate, rounds, RdpAccountant.defaultOrders());
  }

  /** {@link #rdp(DdgEncoding, double, double, long)} at the given orders (checked as in {@link RdpBudget#of}). */
  public static RdpBudget rdp(DdgEncoding encoding, double localNoise, double samplingRate, long rounds,
      double[] orders) {
    if (encoding == null) {
      throw new IllegalArgumentException("encoding must not be null");
    }
    checkLocalNoise(localNoise);
    RdpAccountant.checkSamplingRate(samplingRate);
    if (rounds < 0) {
      throw new IllegalArgumentException("rounds must be at least 0, got " + rounds);
    }
    RdpBudget.zero(orders); // checks the orders
    double[] rdp = new double[orders.length];
    if (rounds == 0 || samplingRate == 0) {
      return RdpBudget.of(orders, rdp);
    }
    Round round = new Round(encoding, localNoise);
    double[] integerEps = null;
    if (samplingRate < 1) {
      int maxOrder = (int) Math.ceil(orders[orders.length - 1]);
      integerEps = new double[maxOrder + 1];
      for (int l = 2; l <= maxOrder; l++) {
        integerEps[l] = round.rdp(l);
      }
    }
    for (int i = 0; i < orders.length; i++) {
      double perRound = round.rdp(orders[i]);
      if (samplingRate < 1) {
        int ceiling = Math.max(2, (int) Math.ceil(orders[i]));
        perRound = Math.min(perRound, PoissonSubsampledRdp.rdp(samplingRate, ceiling, integerEps));
      }
      rdp[i] = rounds * perRound;
    }
    return RdpBudget.of(orders, rdp);
  }

  /** The (epsilon, delta) guarantee of {@code rounds} rounds: {@link #rdp} converted by {@link RdpBudget#epsilon}. */
  public static DpGuarantee epsilon(DdgEncoding encoding, double localNoise, double samplingRate, long rounds,
      double delta) {
    RdpAccountant.checkDelta(delta);
    return rdp(encoding, localNoise, samplingRate, rounds).epsilon(delta);
  }

  /**
   * The smallest local noise sigma (integer units) in [{@link #MIN_LOCAL_NOISE}, {@link #MAX_LOCAL_NOISE}]
   * for which {@code rounds} rounds are (targetEpsilon, delta)-DP by {@link #epsilon}, by bisection on log
   * sigma. The sigma returned was evaluated and meets the target; the exact smallest one lies within
   * {@link #NOISE_RELATIVE_TOLERANCE} below it. {@link #MIN_LOCAL_NOISE} when even that meets the target
   * (the bound says nothing about less noise), including when q = 0 or rounds = 0.
   *
   * @throws IllegalArgumentException naming the argument out of range, or if the target is below the
   *     conversion's floor or not met by {@link #MAX_LOCAL_NOISE}
   */
  public static double localNoise(DdgEncoding encoding, double samplingRate, long rounds, double delta,
      double targetEpsilon) {
    RdpAccountant.checkDelta(delta);
    if (!(targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("targetEpsilon must be finite and above 0, got " + targetEpsilon);
    }
    double floor = RdpBudget.zero().epsilon(delta).epsilon();
    if (targetEpsilon < floor) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "target epsilon %s is not reachable: the"
          + " conversion to (epsilon, delta) gives %.6f at delta %s even when nothing is spent", targetEpsilon, floor, delta));
    }
    double lo = MIN_LOCAL_NOISE;
    if (meets(encoding, lo, samplingRate, rounds, delta, targetEpsilon)) {
      return lo;
    }
    // Invariant: epsilon(hi) <= target < epsilon(lo). Every term of the bound falls as sigma grows, so the
    // bracket holds the smallest sigma that meets the target.
    double hi = 2 * lo;
    while (!meets(encoding, hi, samplingRate, rounds, delta, targetEpsilon)) {
      if (hi >= MAX_LOCAL_NOISE) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "target epsilon %s is not reachable: local"
            + " noise %.0f still gives epsilon %.6f at delta %s", targetEpsilon, MAX_LOCAL_NOISE,
            epsilon(encoding, hi, samplingRate, rounds, delta).epsilon(), delta));
      }
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > NOISE_RELATIVE_TOLERANCE * hi) {
      double mid = Math.sqrt(lo * hi);
      if (meets(encoding, mid, samplingRate, rounds, delta, targetEpsilon)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static boolean meets(DdgEncoding encoding, double localNoise, double samplingRate, long rounds,
      double delta, double target) {
    return epsilon(encoding, localNoise, samplingRate, rounds, delta).epsilon() <= target;
  }

  static void checkLocalNoise(double localNoise) {
    if (!(localNoise >= MIN_LOCAL_NOISE && localNoise < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("localNoise must be finite and at least " + MIN_LOCAL_NOISE
          + " (integer units; the paper's bound assumes sigma >= 1/2), got " + localNoise);
    }
  }

  /** One round's unsampled bound: the scale factors and tau, computed once per (encoding, sigma). */
  private static final class Round {
    private final double s1;
    private final double s2;
    private final double tau;
    private final double d;

    Round(DdgEncoding encoding, double localNoise) {
      double central = Math.sqrt(encoding.clients()) * localNoise;
      s2 = encoding.l2Sensitivity() / central;
      s1 = encoding.l1Sensitivity() / central;
      tau = tau(encoding.clients(), localNoise);
      d = encoding.paddedDimension();
    }

    double rdp(double alpha) {
      double first = alpha / 2 * s2 * s2 + tau * d;
      double second = alpha / 2 * (s2 * s2 + 2 * s1 * tau + tau * tau * d);
      double shifted = s2 + Math.sqrt(d) * tau;
      double third = alpha / 2 * shifted * shifted;
      return Math.min(first, Math.min(second, third));
    }
  }
}
