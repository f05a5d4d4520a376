package io.fedmesh.ml.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Published values, special cases, monotonicity, the inverse, budgets and bad arguments. */
class RdpAccountantTest {
  private static final double MNIST_RATE = 256.0 / 60_000; // TF Privacy's MNIST tutorial: batch 256 of 60,000
  // The orders TF Privacy's compute_dp_sgd_privacy used when its README quoted the values below.
  private static final double[] TF_CLASSIC_ORDERS = classicOrders();

  // ---- published values ----

  @Test
  void reproducesTfPrivacyReadmeValuesWithTheirClassicConversion() {
    // TF Privacy's tutorials README: "DP-SGD run with default parameters [noise 1.1, 60 epochs, so 14,063
    // steps] satisfies differential privacy with eps = 3.01 and delta = 1e-05", and eps 1.19 for noise 1.3
    // over 15 epochs (3,516 steps). They converted with eps = min_alpha RDP - log(delta) / (alpha - 1).
    assertThat(classicEpsilon(MNIST_RATE, 1.1, 14_063, 1e-5)).isCloseTo(3.01, within(0.005));
    assertThat(classicEpsilon(MNIST_RATE, 1.3, 3_516, 1e-5)).isCloseTo(1.19, within(0.005));
  }

  @Test
  void balleConversionOnTheDefaultGridIsTighterThanTheClassicOne() {
    // Same RDP, better conversion: 2.5967 at order 8.1 where the classic one gave 3.01 (values from the
    // Python reference, src/test/python/rdp_reference.py).
    DpGuarantee mnist = RdpAccountant.epsilon(MNIST_RATE, 1.1, 14_063, 1e-5);
    assertThat(mnist.epsilon()).isCloseTo(2.596655528678, within(1e-9));
    assertThat(mnist.order()).isEqualTo(8.1);
    assertThat(mnist.epsilon()).isLessThan(classicEpsilon(MNIST_RATE, 1.1, 14_063, 1e-5));
  }

  @Test
  void abadiMnistSettings() {
    // Abadi et al. 2016, section 3.1: q = 0.01, sigma = 4, T = 10,000, delta = 1e-5 is (1.26, 1e-5)-DP by
    // their moments accountant. The exact RDP of the sampled Gaussian and Balle et al.'s conversion give less.
    DpGuarantee abadi = RdpAccountant.epsilon(0.01, 4, 10_000, 1e-5);
    assertThat(abadi.epsilon()).isCloseTo(1.035490066036, within(1e-9)).isLessThan(1.26);
    assertThat(abadi.order()).isEqualTo(17.0);
    // The same sampling with sigma = 1.1, FedMesh's worked example (docs/ml.md).
    DpGuarantee example = RdpAccountant.epsilon(0.01, 1.1, 10_000, 1e-5);
    assertThat(example.epsilon()).isCloseTo(5.631992368661, within(1e-9));
    assertThat(example.order()).isEqualTo(4.7);
  }

  // ---- special cases ----

  @Test
  void withoutSamplingNothingIsSpentButTheConversionHasAFloor() {
    RdpBudget spent = RdpAccountant.sampledGaussian(0, 0, 1_000);
    assertThat(spent.rdp()).containsOnly(0.0);
    assertThat(spent).isEqualTo(RdpBudget.zero());
    // (-log(delta) - log 63) / 62 + log(62/63): Balle et al.'s conversion at RDP 0, best at the largest order
    double floor = (-Math.log(1e-5) - Math.log(63)) / 62 + Math.log(62.0 / 63);
    assertThat(spent.epsilon(1e-5).epsilon()).isCloseTo(0.102867251211, within(1e-12)).isCloseTo(floor, within(1e-15));
    assertThat(spent.epsilon(1e-5).order()).isEqualTo(63.0);
  }

  @Test
  void aNegativeEpsilonIsReportedAsZero() {
    // At delta = 0.3 the conversion at RDP 0 is -0.357 (order 3.3): the budget is (0, 0.3)-DP.
    assertThat(RdpBudget.zero().epsilon(0.3)).isEqualTo(new DpGuarantee(0, 0.3, 3.3));
  }

  @Test
  void tinyLossesNeverRoundBelowZero() {
    // At q = 1e-12, A - 1 is about 1e-24, far below the rounding of log A: the series land a hair under 0.
    assertThat(SampledGaussianRdp.logAFractional(1e-12, 1, 1.5)).isNegative();
    assertThat(RdpAccountant.sampledGaussian(1e-12, 1, 1_000, new double[] {1.1, 1.5, 5.5}).rdp()).containsOnly(0.0);
  }

  @Test
  void noStepsSpendNothingEvenWithoutNoise() {
    assertThat(RdpAccountant.sampledGaussian(1, 0, 0)).isEqualTo(RdpBudget.zero());
  }

  @Test
  void fullSamplingIsThePlainGaussianMechanism() {
    double[] orders = RdpAccountant.defaultOrders();
    double[] rdp = RdpAccountant.sampledGaussian(1, 2, 10).rdp();
    for (int i = 0; i < orders.length; i++) {
      assertThat(rdp[i]).isEqualTo(10 * orders[i] / 8);
    }
  }

  @Test
  void withoutNoiseEpsilonIsInfinite() {
    RdpBudget spent = RdpAccountant.sampledGaussian(0.01, 0, 1);
    assertThat(spent.rdp()).containsOnly(Double.POSITIVE_INFINITY);
    DpGuarantee guarantee = spent.epsilon(1e-5);
    assertThat(guarantee.epsilon()).isInfinite();
    assertThat(guarantee.order()).isNaN();
  }

  @Test
  void integerAndFractionalSeriesMeetAtIntegerOrders() {
    for (double q : new double[] {0.001, 0.05, 0.6}) {
      double[] rdp = RdpAccountant.sampledGaussian(q, 0.9, 1, new double[] {2.999999, 3, 3.000001, 11.999999, 12}).rdp();
      assertThat(rdp[1]).as("q=%s", q).isCloseTo(rdp[0], within(1e-5 * rdp[1])).isCloseTo(rdp[2], within(1e-5 * rdp[1]));
      assertThat(rdp[4]).as("q=%s", q).isCloseTo(rdp[3], within(1e-5 * rdp[4]));
    }
  }

  // ---- monotonicity ----

  @Test
  void moreStepsSpendMore() {
    double previous = 0;
    for (long steps : new long[] {1, 10, 100, 1_000, 10_000, 100_000}) {
      double epsilon = RdpAccountant.epsilon(0.01, 1.1, steps, 1e-5).epsilon();
      assertThat(epsilon).as("steps=%d", steps).isGreaterThan(previous);
      previous = epsilon;
    }
  }

  @Test
  void aLargerSamplingRateSpendsMoreAtEveryOrder() {
    double[] previous = RdpAccountant.sampledGaussian(0, 1.1, 100).rdp();
    for (double q : new double[] {1e-4, 1e-3, 0.01, 0.05, 0.2, 0.5, 0.9, 1}) {
      double[] rdp = RdpAccountant.sampledGaussian(q, 1.1, 100).rdp();
      for (int i = 0; i < rdp.length; i++) {
        assertThat(rdp[i]).as("q=%s order %d", q, i).isGreaterThan(previous[i]);
      }
      assertThat(RdpBudget.of(RdpAccountant.defaultOrders(), rdp).epsilon(1e-5).epsilon())
          .isGreaterThanOrEqualTo(RdpBudget.of(RdpAccountant.defaultOrders(), previous).epsilon(1e-5).epsilon());
      previous = rdp;
    }
  }

  @Test
  void moreNoiseSpendsLessAtEveryOrder() {
    double[] previous = RdpAccountant.sampledGaussian(0.02, 0.3, 100).rdp();
    for (double sigma : new double[] {0.5, 0.8, 1.1, 2, 4, 10, 100}) {
      double[] rdp = RdpAccountant.sampledGaussian(0.02, sigma, 100).rdp();
      for (int i = 0; i < rdp.length; i++) {
        assertThat(rdp[i]).as("sigma=%s order %d", sigma, i).isLessThan(previous[i]);
      }
      previous = rdp;
    }
  }

  @Test
  void aSmallerDeltaCostsMoreEpsilon() {
    RdpBudget spent = RdpAccountant.sampledGaussian(0.01, 1.1, 1_000);
    assertThat(spent.epsilon(1e-9).epsilon()).isGreaterThan(spent.epsilon(1e-5).epsilon());
    assertThat(spent.epsilon(1e-5).epsilon()).isGreaterThan(spent.epsilon(1e-2).epsilon());
  }

  // ---- the inverse ----

  @Test
  void noiseMultiplierIsTheSmallestThatMeetsTheTarget() {
    double[][] cases = { // q, steps, delta, target epsilon
        {0.01, 10_000, 1e-5, 1}, {0.01, 10_000, 1e-5, 8}, {MNIST_RATE, 14_063, 1e-5, 3},
        {0.001, 1_000_000, 1e-7, 0.5}, {1, 1, 1e-5, 1}, {0.1, 50, 1e-3, 20}, {0.5, 10, 1e-6, 2}};
    for (double[] c : cases) {
      double q = c[0];
      long steps = (long) c[1];
      double delta = c[2];
      double target = c[3];
      double sigma = RdpAccountant.noiseMultiplier(q, steps, delta, target);
      String what = Arrays.toString(c) + " -> sigma " + sigma;
      assertThat(RdpAccountant.epsilon(q, sigma, steps, delta).epsilon()).as(what)
          .isLessThanOrEqualTo(target).isGreaterThan(0.99 * target);
      assertThat(RdpAccountant.epsilon(q, sigma * (1 - RdpAccountant.NOISE_RELATIVE_TOLERANCE), steps, delta).epsilon())
          .as(what).isGreaterThan(target);
    }
  }

  @Test
  void noiseMultiplierInvertsEpsilon() {
    double epsilon = RdpAccountant.epsilon(0.01, 1.1, 10_000, 1e-5).epsilon();
    assertThat(RdpAccountant.noiseMultiplier(0.01, 10_000, 1e-5, epsilon))
        .isCloseTo(1.1, within(1.1 * RdpAccountant.NOISE_RELATIVE_TOLERANCE));
  }

  @Test
  void nothingSpentNeedsNoNoise() {
    assertThat(RdpAccountant.noiseMultiplier(0, 10_000, 1e-5, 0.2)).isZero();
    assertThat(RdpAccountant.noiseMultiplier(0.5, 0, 1e-5, 0.2)).isZero();
  }

  @Test
  void unreachableTargetsAreRefused() {
    // Below the conversion's floor (0.103 at delta = 1e-5) nothing helps, not even spending nothing.
    assertThatThrownBy(() -> RdpAccountant.noiseMultiplier(0.01, 100, 1e-5, 0.1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not reachable")
        .hasMessageContaining("even when nothing is spent");
    assertThatThrownBy(() -> RdpAccountant.noiseMultiplier(0, 100, 1e-5, 0.1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not reachable");
    // Just above it, a million full-sampling steps need more than sigma = 2^20.
    assertThatThrownBy(() -> RdpAccountant.noiseMultiplier(1, 1_000_000, 1e-5, 0.10287))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not reachable")
        .hasMessageContaining("noise multiplier 1048576");
    // And a target so loose that no noise worth the name is needed is not searched below 2^-20.
    assertThatThrownBy(() -> RdpAccountant.noiseMultiplier(1, 1, 0.5, 1e15))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no smaller one is searched");
  }

  // ---- budgets ----

  @Test
  void budgetsComposeStepByStep() {
    RdpBudget twice = RdpAccountant.sampledGaussian(0.01, 1.1, 300).plus(RdpAccountant.sampledGaussian(0.01, 1.1, 700));
    double[] once = RdpAccountant.sampledGaussian(0.01, 1.1, 1_000).rdp();
    for (int i = 0; i < once.length; i++) {
      assertThat(twice.rdp()[i]).isCloseTo(once[i], within(1e-12 * once[i]));
    }
  }

  @Test
  void aBudgetRestoresFromItsPersistedFormAndStaysImmutable() {
    RdpBudget spent = RdpAccountant.sampledGaussian(0.02, 0.8, 123);
    RdpBudget restored = RdpBudget.of(spent.orders(), spent.rdp());
    assertThat(restored).isEqualTo(spent).hasSameHashCodeAs(spent);
    assertThat(restored.epsilon(1e-6)).isEqualTo(spent.epsilon(1e-6));

    double[] rdp = spent.rdp();
    rdp[0] = 99;
    double[] orders = spent.orders();
    orders[0] = 1.05;
    assertThat(spent).isEqualTo(restored);
    assertThat(spent.toString()).startsWith("RdpBudget{1.1: ");
  }

  @Test
  void defaultOrdersAreTheDocumentedGrid() {
    assertThat(RdpAccountant.DEFAULT_ORDERS).hasSize(99 + 52).startsWith(1.1, 1.2, 1.3).endsWith(62.0, 63.0)
        .contains(2.0, 10.9, 12.0).doesNotContain(11.0, 1.0, 64.0).isSorted();
  }

  // ---- bad arguments ----

  @Test
  void badArgumentsNameTheArgument() {
    refused("samplingRate", () -> RdpAccountant.sampledGaussian(-0.1, 1, 1));
    refused("samplingRate", () -> RdpAccountant.sampledGaussian(1.5, 1, 1));
    refused("samplingRate", () -> RdpAccountant.sampledGaussian(Double.NaN, 1, 1));
    refused("noiseMultiplier", () -> RdpAccountant.sampledGaussian(0.1, -1, 1));
    refused("noiseMultiplier", () -> RdpAccountant.sampledGaussian(0.1, Double.NaN, 1));
    refused("noiseMultiplier", () -> RdpAccountant.sampledGaussian(0.1, Double.POSITIVE_INFINITY, 1));
    refused("steps", () -> RdpAccountant.sampledGaussian(0.1, 1, -1));
    for (double delta : new double[] {0, 1, -1e-5, 1.5, Double.NaN}) {
      refused("delta", () -> RdpAccountant.epsilon(0.1, 1, 1, delta));
      refused("delta", () -> RdpBudget.zero().epsilon(delta));
      refused("delta", () -> RdpAccountant.noiseMultiplier(0.1, 1, delta, 1));
    }
    for (double target : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      refused("targetEpsilon", () -> RdpAccountant.noiseMultiplier(0.1, 100, 1e-5, target));
    }
    refused("samplingRate", () -> RdpAccountant.noiseMultiplier(2, 100, 1e-5, 1));
    refused("steps", () -> RdpAccountant.noiseMultiplier(0.1, -5, 1e-5, 1));
  }

  @Test
  void badBudgetsAreRefused() {
    refused("orders", () -> RdpBudget.of(new double[] {2, 1.5}, new double[] {0, 0}));
    refused("orders", () -> RdpBudget.of(new double[] {1, 2}, new double[] {0, 0}));
    refused("orders", () -> RdpBudget.of(new double[] {2, 2000}, new double[] {0, 0}));
    refused("orders", () -> RdpBudget.of(new double[] {2, Double.NaN}, new double[] {0, 0}));
    refused("orders", () -> RdpBudget.of(new double[0], new double[0]));
    refused("orders", () -> RdpBudget.of(null, new double[0]));
    refused("orders", () -> RdpAccountant.sampledGaussian(0.1, 1, 1, null));
    refused("rdp", () -> RdpBudget.of(new double[] {2, 3}, new double[] {0}));
    refused("rdp", () -> RdpBudget.of(new double[] {2, 3}, new double[] {0, -1}));
    refused("rdp", () -> RdpBudget.of(new double[] {2, 3}, new double[] {0, Double.NaN}));
    refused("same orders", () -> RdpBudget.zero().plus(RdpBudget.zero(new double[] {2, 3})));
  }

  private static void refused(String argument, Executable call) {
    assertThatThrownBy(call::execute).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(argument);
  }

  // ---- helpers ----

  /** TF Privacy's conversion before Balle et al.: min over orders of RDP - log(delta) / (alpha - 1). */
  private static double classicEpsilon(double q, double sigma, long steps, double delta) {
    double[] rdp = RdpAccountant.sampledGaussian(q, sigma, steps, TF_CLASSIC_ORDERS).rdp();
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < rdp.length; i++) {
      best = Math.min(best, rdp[i] - Math.log(delta) / (TF_CLASSIC_ORDERS[i] - 1));
    }
    return best;
  }

  private static double[] classicOrders() {
    double[] orders = new double[10 + 59 + 3];
    double[] low = {1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5};
    System.arraycopy(low, 0, orders, 0, low.length);
    for (int order = 5; order < 64; order++) {
      orders[low.length + order - 5] = order;
    }
    orders[69] = 128;
    orders[70] = 256;
    orders[71] = 512;
    return orders;
  }
}
