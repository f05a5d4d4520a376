package io.fedmesh.ml.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The planner against the reference's choice, its guarantees (target met, modulus fits, minimal gamma), and refusals. */
class DdgPlannerTest {
  /** The reference's EMNIST-like setting: 100 of 3400 clients a round, 1500 rounds, epsilon 6, delta 1/N. */
  private static final DdgPlanRequest EMNIST_LIKE = new DdgPlanRequest(6, 1.0 / 3400, 1 << 16, 100, 1500,
      100.0 / 3400, 0.03, 16, 4, DdgPlanRequest.DEFAULT_BETA);

  @Test
  void choosesWhatTheReferenceChooses() {
    // google-research/federated distributed_dp/accounting_utils.ddgauss_params(q=100/3400, epsilon=6,
    // l2_clip_norm=0.03, bits=16, num_clients=100, dim=2^16, delta=1/3400, beta=exp(-1/2), steps=1500, k=4,
    // orders=2..63), run with python3 + scipy: gamma = 4.3510534502748445e-06 and local stddev
    // 0.0033662333515349636 in original units, 773.659 integer units. Its scipy minimiser stops at its own
    // tolerance, and our orders add fractional ones, so agreement is to 0.1% (we get 4.35169e-6 and 773.608).
    DdgPlan plan = DdgPlanner.plan(EMNIST_LIKE);
    assertThat(plan.gamma()).isCloseTo(4.3510534502748445e-06, within(0.001 * 4.351e-6));
    assertThat(plan.localNoiseStddev()).isCloseTo(773.659, within(0.001 * 773.659));
    assertThat(plan.localNoiseStddevOriginal()).isCloseTo(0.0033662333515349636, within(0.001 * 0.003366));
    assertThat(plan.paddedDimension()).isEqualTo(1 << 16);
    assertThat(plan.epsilon()).isLessThanOrEqualTo(6).isGreaterThan(5.99);
  }

  @Test
  void planRoundTripsThroughTheAccountant() {
    for (DdgPlanRequest request : new DdgPlanRequest[] {EMNIST_LIKE,
        new DdgPlanRequest(2, 1e-6, 1000, 50, 100, 1.0, 1.0, 20, 3, 0),
        new DdgPlanRequest(1, 1e-5, 300_000, 1000, 10, 1.0, 0.1, 32, 4, DdgPlanRequest.DEFAULT_BETA)}) {
      DdgPlan plan = DdgPlanner.plan(request);
      DpGuarantee spent = DdgAccountant.epsilon(plan.encoding(), plan.localNoiseStddev(), request.samplingRate(),
          request.rounds(), request.delta());
      assertThat(spent.epsilon()).isEqualTo(plan.epsilon()).isLessThanOrEqualTo(request.targetEpsilon());
      assertThat(spent.order()).isEqualTo(plan.order());
      assertThat(DdgPlanner.width(request, plan.paddedDimension(), plan.gamma(), plan.localNoiseStddev()))
          .isLessThanOrEqualTo(plan.modulus());
      // A step 0.02% finer no longer fits (with the noise it would need): gamma is the smallest, to 1e-4.
      double finer = plan.gamma() * (1 - 2 * DdgPlanner.GAMMA_RELATIVE_TOLERANCE);
      DdgEncoding encoding = new DdgEncoding(plan.clients(), plan.paddedDimension(), plan.clip(), finer, plan.beta());
      double sigma = DdgAccountant.localNoise(encoding, request.samplingRate(), request.rounds(), request.delta(),
          request.targetEpsilon());
      assertThat(DdgPlanner.width(request, plan.paddedDimension(), finer, sigma)).isGreaterThan(plan.modulus());
    }
  }

  @Test
  void expectedErrorIsRoundingPlusNoiseVarianceInOriginalUnits() {
    DdgPlan plan = DdgPlanner.plan(EMNIST_LIKE);
    double gamma = plan.gamma();
    double sigma = plan.localNoiseStddev();
    assertThat(plan.expectedSumMse()).isCloseTo(100 * gamma * gamma * (0.25 + sigma * sigma), within(1e-20));
    assertThat(plan.expectedMeanMse()).isCloseTo(plan.expectedSumMse() / 10_000, within(1e-22));
    assertThat(plan.scale()).isEqualTo(1 / gamma);
    assertThat(plan.modulus()).isEqualTo(65_536);
  }

  @Test
  void moreBitsGiveAFinerStepAndLessError() {
    double previousGamma = Double.POSITIVE_INFINITY;
    double previousMse = Double.POSITIVE_INFINITY;
    for (int bits : new int[] {14, 16, 18, 20, 24}) {
      DdgPlan plan = DdgPlanner.plan(EMNIST_LIKE.withBits(bits));
      assertThat(plan.gamma()).as("bits %d", bits).isLessThan(previousGamma);
      assertThat(plan.expectedSumMse()).as("bits %d", bits).isLessThan(previousMse);
      previousGamma = plan.gamma();
      previousMse = plan.expectedSumMse();
    }
  }

  @Test
  void tooFewBitsSayHowManyWouldDo() {
    DdgPlanRequest request = EMNIST_LIKE.withBits(5);
    assertThatThrownBy(() -> DdgPlanner.plan(request)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll("no plan: 5 bits are too few for 100 clients, dimension 65536", "The least that fits is");
    String message = catchMessage(() -> DdgPlanner.plan(request));
    int least = Integer.parseInt(message.replaceAll(".*The least that fits is (\\d+) bits.*", "$1"));
    assertThat(least).isGreaterThan(5);
    assertThat(DdgPlanner.plan(request.withBits(least)).bits()).isEqualTo(least); // the advice works
    assertThatThrownBy(() -> DdgPlanner.plan(request.withBits(least - 1))).hasMessageContaining("no plan");
  }

  @Test
  void badRequestsNameTheArgument() {
    rejects(() -> new DdgPlanRequest(0, 1e-5, 10, 10, 10, 1, 1, 16, 4, 0), "targetEpsilon must be finite and above 0");
    rejects(() -> new DdgPlanRequest(1, 1, 10, 10, 10, 1, 1, 16, 4, 0), "delta must be in (0, 1)");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 0, 10, 10, 1, 1, 16, 4, 0), "dimension must be in [1, 2^30]");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 0, 10, 1, 1, 16, 4, 0), "clients must be at least 1");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, -1, 1, 1, 16, 4, 0), "rounds must be at least 0");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, 10, 2, 1, 16, 4, 0), "samplingRate must be in [0, 1]");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, 10, 1, -1, 16, 4, 0), "clip must be finite and above 0");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, 10, 1, 1, 63, 4, 0), "bits must be in [1, 62]");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, 10, 1, 1, 0, 4, 0), "bits must be in [1, 62]");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, 10, 1, 1, 16, 0, 0), "k must be finite and above 0");
    rejects(() -> new DdgPlanRequest(1, 1e-5, 10, 10, 10, 1, 1, 16, 4, 1), "beta must be in [0, 1)");
    rejects(() -> DdgPlanner.plan(new DdgPlanRequest(0.05, 1e-5, 10, 10, 10, 1, 1, 16, 4, 0)), "not reachable");
  }

  private static void rejects(ThrowingCallable call, String fragment) {
    assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(fragment);
  }

  private static String catchMessage(ThrowingCallable call) {
    try {
      call.call();
    } catch (Throwable t) {
      return t.getMessage();
    }
    throw new AssertionError("no exception");
  }
}
