package io.fedmesh.ml.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The DDG bound against the reference implementation's numbers, its limit (the continuous Gaussian), its
 * monotonicity, the inverse, sampling and bad arguments.
 */
class DdgAccountantTest {
  private static final double BETA = Math.exp(-0.5);
  /** The orders the reference's values below were computed at (its RDP_ORDERS cut to our range). */
  private static final double[] REFERENCE_ORDERS = integerOrders(2, 63);

  // ---- the reference's numbers ----
  // Computed by running google-research/federated distributed_dp/accounting_utils.py (ddgauss_epsilon,
  // compute_rdp_dgaussian, rounded_l2_norm_bound) with python3 + numpy + scipy at orders 2..63, its
  // TF Privacy conversion replaced by Balle et al.'s (the one RdpBudget uses). The reference takes the
  // local noise in original units; these are gamma * sigma.

  @Test
  void sensitivitiesAndTauMatchTheReference() {
    DdgEncoding wide = new DdgEncoding(100, 1 << 16, 1.0, 1e-3, BETA);
    assertThat(wide.l2Sensitivity()).isCloseTo(1008.7179982532284, within(1e-9));
    assertThat(wide.l1Sensitivity()).isCloseTo(258231.80755282647, within(1e-6));
    DdgEncoding unconditional = new DdgEncoding(1000, 256, 1.0, 0.05, 0);
    assertThat(unconditional.l2Sensitivity()).isCloseTo(36.0, within(1e-12)); // c/gamma + sqrt(d) = 20 + 16
    assertThat(unconditional.l1Sensitivity()).isCloseTo(576.0, within(1e-9)); // 36 * min(16, 36)
    assertThat(DdgAccountant.tau(1000, 1.0)).isCloseTo(0.0005731282577500228, within(1e-15));
    assertThat(DdgAccountant.tau(10, 0.5)).isCloseTo(2.3453253192467702, within(1e-13));
    assertThat(DdgAccountant.tau(1, 0.5)).isZero(); // one client: a single discrete Gaussian, nothing to add
  }

  @Test
  void epsilonMatchesTheReferenceWithoutSampling() {
    DdgEncoding encoding = new DdgEncoding(100, 1 << 16, 1.0, 1e-3, BETA);
    assertReference(encoding, 100, 1.0, 1, 1e-5, 4.796508336819822, 5);
    assertReference(encoding, 100, 1.0, 100, 1e-5, 111.87783110385033, 2);
    RdpBudget one = DdgAccountant.rdp(encoding, 100, 1.0, 1, REFERENCE_ORDERS);
    assertThat(one.rdp()[0]).isCloseTo(1.017512, within(1e-9));
    assertThat(one.rdp()[61]).isCloseTo(32.051628, within(1e-9));
  }

  @Test
  void epsilonMatchesTheReferenceWhereTauMatters() {
    // sigma = 1/2 and 10 clients: tau = 2.35, so tau d dominates.
    DdgEncoding encoding = new DdgEncoding(10, 16, 0.01, 5e-4, BETA);
    assertReference(encoding, 0.5, 1.0, 1, 1e-5, 218.05183621179867, 2);
    double[] rdp = DdgAccountant.rdp(encoding, 0.5, 1.0, 1, REFERENCE_ORDERS).rdp();
    assertThat(rdp[0]).isCloseTo(207.92520510794833, within(1e-9));
    assertThat(rdp[8]).isCloseTo(889.5252051079483, within(1e-9));
  }

  @Test
  void epsilonMatchesTheReferenceWithPoissonSampling() {
    DdgEncoding tauCase = new DdgEncoding(1000, 256, 1.0, 0.05, 0);
    assertReference(tauCase, 1.0, 0.03, 1000, 1e-6, 11.590479557217858, 3);
    double[] rdp = DdgAccountant.rdp(tauCase, 1.0, 0.03, 1000, REFERENCE_ORDERS).rdp();
    assertThat(rdp[0]).isCloseTo(2.4558442425721694, within(1e-9));
    assertThat(rdp[8]).isCloseTo(2810.9632212074007, within(1e-7));
    assertThat(rdp[61]).isCloseTo(37425.325104266405, within(1e-6));

    DdgEncoding moderate = new DdgEncoding(100, 1024, 1.0, 0.01, BETA);
    assertReference(moderate, 30, 0.05, 500, 1e-5, 2.86690572283245, 6);
    double[] perOrder = DdgAccountant.rdp(moderate, 30, 0.05, 500, REFERENCE_ORDERS).rdp();
    assertThat(perOrder[0]).isCloseTo(0.1526613256745829, within(1e-11));
    assertThat(perOrder[1]).isCloseTo(0.31859367752983675, within(1e-11));
    assertThat(perOrder[61]).isCloseTo(309.96681053161103, within(1e-8));
  }

  private static void assertReference(DdgEncoding encoding, double sigma, double q, long rounds, double delta,
      double epsilon, double order) {
    DpGuarantee spent = DdgAccountant.rdp(encoding, sigma, q, rounds, REFERENCE_ORDERS).epsilon(delta);
    assertThat(spent.epsilon()).isCloseTo(epsilon, within(1e-9 * epsilon));
    assertThat(spent.order()).isEqualTo(order);
  }

  // ---- the continuous limit ----

  @Test
  void withManyClientsAndNegligibleTauItIsTheContinuousGaussian() {
    // sigma = 5: each tau term is below exp(-2 pi^2 25 / 2) = 1e-107, so even 2^31 - 1 clients give tau = 0
    // and the bound is alpha Delta_2^2 / (2 n sigma^2), the Gaussian's RDP with noise multiplier
    // sqrt(n) sigma / Delta_2.
    for (int clients : new int[] {1_000_000, Integer.MAX_VALUE}) {
      DdgEncoding encoding = new DdgEncoding(clients, 1 << 20, 1.0, 1e-6, BETA);
      assertThat(DdgAccountant.tau(clients, 5)).isLessThan(1e-90);
      double multiplier = Math.sqrt(clients) * 5 / encoding.l2Sensitivity();
      double[] ddg = DdgAccountant.rdp(encoding, 5, 1.0, 7).rdp();
      double[] gaussian = RdpAccountant.sampledGaussian(1.0, multiplier, 7).rdp();
      for (int i = 0; i < ddg.length; i++) {
        assertThat(ddg[i]).isCloseTo(gaussian[i], within(1e-12 * gaussian[i]));
      }
    }
  }

  @Test
  void tauIsNeverUnderstatedBeyondTheExactTerms() {
    int clients = DdgAccountant.TAU_EXACT_TERMS + 5000;
    double exact = 0;
    for (long k = 1; k < clients; k++) {
      exact += Math.exp(-2 * Math.PI * Math.PI * 0.25 * k / (k + 1));
    }
    double tau = DdgAccountant.tau(clients, 0.5);
    assertThat(tau).isGreaterThanOrEqualTo(10 * exact).isCloseTo(10 * exact, within(1e-9 * tau));
  }

  // ---- monotonicity ----

  @Test
  void moreNoiseSpendsLessAndMoreRoundsOrSamplingSpendMore() {
    DdgEncoding encoding = new DdgEncoding(50, 4096, 1.0, 2e-3, BETA);
    double previous = Double.POSITIVE_INFINITY;
    for (double sigma : new double[] {0.5, 1, 5, 20, 100, 400, 2000}) {
      double epsilon = DdgAccountant.epsilon(encoding, sigma, 1.0, 10, 1e-5).epsilon();
      assertThat(epsilon).as("sigma %s", sigma).isLessThan(previous);
      previous = epsilon;
    }
    previous = 0;
    for (long rounds : new long[] {1, 10, 100, 1000}) {
      double epsilon = DdgAccountant.epsilon(encoding, 400, 0.1, rounds, 1e-5).epsilon();
      assertThat(epsilon).as("rounds %s", rounds).isGreaterThan(previous);
      previous = epsilon;
    }
    double[] full = DdgAccountant.rdp(encoding, 400, 1.0, 10).rdp();
    double[] sampled = DdgAccountant.rdp(encoding, 400, 0.1, 10).rdp();
    double[] rare = DdgAccountant.rdp(encoding, 400, 0.01, 10).rdp();
    for (int i = 0; i < full.length; i++) {
      assertThat(sampled[i]).isLessThan(full[i]);
      assertThat(rare[i]).isLessThan(sampled[i]);
    }
  }

  @Test
  void nothingSampledOrNoRoundsSpendsNothing() {
    DdgEncoding encoding = new DdgEncoding(50, 4096, 1.0, 2e-3, BETA);
    assertThat(DdgAccountant.rdp(encoding, 10, 0, 100)).isEqualTo(RdpBudget.zero());
    assertThat(DdgAccountant.rdp(encoding, 10, 0.5, 0)).isEqualTo(RdpBudget.zero());
  }

  @Test
  void ddgBudgetsComposeWithGaussianOnes() {
    DdgEncoding encoding = new DdgEncoding(50, 4096, 1.0, 2e-3, BETA);
    RdpBudget ddg = DdgAccountant.rdp(encoding, 400, 1.0, 10);
    RdpBudget gaussian = RdpAccountant.sampledGaussian(0.01, 1.1, 1000);
    RdpBudget both = ddg.plus(gaussian);
    assertThat(both.rdp()[5]).isEqualTo(ddg.rdp()[5] + gaussian.rdp()[5]);
    assertThat(both.epsilon(1e-5).epsilon()).isGreaterThan(ddg.epsilon(1e-5).epsilon());
  }

  // ---- the inverse ----

  @Test
  void localNoiseMeetsTheTargetAndIsNearlyTheSmallest() {
    DdgEncoding encoding = new DdgEncoding(100, 1024, 1.0, 0.01, BETA);
    for (double q : new double[] {1.0, 0.05}) {
      double sigma = DdgAccountant.localNoise(encoding, q, 500, 1e-5, 3);
      assertThat(DdgAccountant.epsilon(encoding, sigma, q, 500, 1e-5).epsilon()).isLessThanOrEqualTo(3);
      double less = sigma * (1 - 1.5 * DdgAccountant.NOISE_RELATIVE_TOLERANCE);
      assertThat(DdgAccountant.epsilon(encoding, less, q, 500, 1e-5).epsilon()).isGreaterThan(3);
    }
    // Recovers sigma = 30 from its own epsilon (2.8669 with sampling at our orders).
    double epsilon = DdgAccountant.epsilon(encoding, 30, 0.05, 500, 1e-5).epsilon();
    assertThat(DdgAccountant.localNoise(encoding, 0.05, 500, 1e-5, epsilon)).isCloseTo(30, within(30 * 1e-4));
  }

  @Test
  void localNoiseNeverGoesBelowOneHalf() {
    DdgEncoding encoding = new DdgEncoding(1000, 16, 1.0, 1.0, BETA);
    assertThat(DdgAccountant.localNoise(encoding, 1.0, 1, 1e-5, 1e6)).isEqualTo(DdgAccountant.MIN_LOCAL_NOISE);
    assertThat(DdgAccountant.localNoise(encoding, 0, 1, 1e-5, 1)).isEqualTo(DdgAccountant.MIN_LOCAL_NOISE);
  }

  // ---- bad arguments ----

  @Test
  void badArgumentsNameThemselves() {
    DdgEncoding ok = new DdgEncoding(10, 16, 1.0, 0.1, BETA);
    rejects(() -> new DdgEncoding(0, 16, 1.0, 0.1, BETA), "clients must be at least 1, got 0");
    rejects(() -> new DdgEncoding(10, 1000, 1.0, 0.1, BETA), "paddedDimension must be a power of two", "pad to 1024");
    rejects(() -> new DdgEncoding(10, 0, 1.0, 0.1, BETA), "paddedDimension must be a power of two");
    rejects(() -> new DdgEncoding(10, 16, 0, 0.1, BETA), "clip must be finite and above 0");
    rejects(() -> new DdgEncoding(10, 16, Double.POSITIVE_INFINITY, 0.1, BETA), "clip");
    rejects(() -> new DdgEncoding(10, 16, 1.0, Double.NaN, BETA), "gamma must be finite and above 0");
    rejects(() -> new DdgEncoding(10, 16, 1.0, 0.1, 1), "beta must be in [0, 1)");
    rejects(() -> new DdgEncoding(10, 16, 1.0, 0.1, -0.1), "beta");
    rejects(() -> DdgAccountant.rdp(ok, 0.4, 1.0, 1), "localNoise must be finite and at least 0.5");
    rejects(() -> DdgAccountant.rdp(ok, Double.NaN, 1.0, 1), "localNoise");
    rejects(() -> DdgAccountant.rdp(ok, 1, 1.5, 1), "samplingRate must be in [0, 1]");
    rejects(() -> DdgAccountant.rdp(ok, 1, 1.0, -1), "rounds must be at least 0");
    rejects(() -> DdgAccountant.rdp(null, 1, 1.0, 1), "encoding must not be null");
    rejects(() -> DdgAccountant.epsilon(ok, 1, 1.0, 1, 0), "delta must be in (0, 1)");
    rejects(() -> DdgAccountant.localNoise(ok, 1.0, 1, 1e-5, 0), "targetEpsilon must be finite and above 0");
    rejects(() -> DdgAccountant.localNoise(ok, 1.0, 1, 1e-5, 0.05), "not reachable");
    rejects(() -> DdgEncoding.padded(0), "dimension must be in [1, 2^30]");
  }

  @Test
  void paddingRoundsUpToAPowerOfTwo() {
    assertThat(DdgEncoding.padded(1)).isEqualTo(1);
    assertThat(DdgEncoding.padded(2)).isEqualTo(2);
    assertThat(DdgEncoding.padded(3)).isEqualTo(4);
    assertThat(DdgEncoding.padded(1024)).isEqualTo(1024);
    assertThat(DdgEncoding.padded(1025)).isEqualTo(2048);
    assertThat(DdgEncoding.padded(1 << 30)).isEqualTo(1 << 30);
  }

  private static void rejects(ThrowingCallable call, String... fragments) {
    assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll(fragments);
  }

  private static double[] integerOrders(int from, int to) {
    double[] orders = new double[to - from + 1];
    for (int i = 0; i < orders.length; i++) {
      orders[i] = from + i;
    }
    return orders;
  }
}
