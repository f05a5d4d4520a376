package io.fedmesh.coordinator.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.ml.train.dpsgd.DpSgdOptions;
import io.fedmesh.proto.v1.DdgEncoding;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.TrainingPlan;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * A participant's own ledger against plans meant to make it under-charge (hostile DP-SGD and DDG
 * fields, a batch larger than its data, replayed round numbers, several federations), and against a
 * store that fails. The plan's fields reach the ledger only after PolicyCheck found them equal to the
 * federation's; these drive the ledger directly, as if that check were bypassed or the settings hostile.
 */
class ParticipantLedgerRedTeamTest {
  private static final NodeId COORDINATOR = SigningKey.generate(SimulationRandom.fromSeed(1)).verifyingKey().nodeId();
  private final List<Map<String, ParticipantLedger.FederationSpend>> saves = new ArrayList<>();
  private final ParticipantLedger ledger = new ParticipantLedger(Map.of(), s -> saves.add(Map.copyOf(s)), Clock.systemUTC(),
      ParticipantLedger.Observer.NONE);

  static RoundPlan dpSgd(int epochs, double sigma, int batch) {
    return RoundPlan.newBuilder().setTraining(TrainingPlan.newBuilder().setEpochs(epochs)).setPrivacy(PrivacyPlan.newBuilder()
        .setDpSgd(DpSgdPlan.newBuilder().setClipNorm(1).setNoiseMultiplier(sigma).setBatchSize(batch))).build();
  }

  static Stream<Arguments> hostileDpSgd() {
    return Stream.of(
        Arguments.of("batch 0", dpSgd(1, 1, 0), 1000L),
        Arguments.of("batch negative", dpSgd(1, 1, -5), 1000L),
        Arguments.of("batch 2,000,000", dpSgd(1, 1, 2_000_000), 1000L),
        Arguments.of("sigma NaN", dpSgd(1, Double.NaN, 10), 1000L),
        Arguments.of("sigma negative", dpSgd(1, -1, 10), 1000L),
        Arguments.of("sigma infinite", dpSgd(1, Double.POSITIVE_INFINITY, 10), 1000L),
        Arguments.of("epochs 0", dpSgd(0, 1, 10), 1000L),
        Arguments.of("epochs negative", dpSgd(-3, 1, 10), 1000L),
        Arguments.of("no local examples", dpSgd(1, 1, 10), 0L),
        Arguments.of("negative local examples", dpSgd(1, 1, 10), -7L),
        Arguments.of("steps overflow a long", dpSgd(Integer.MAX_VALUE, 1, 1), Long.MAX_VALUE / 2));
  }

  /** Declined (a reason, or an exception ParticipantRound turns into one); never a charge of less, never saved. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileDpSgd")
  void aHostileDpSgdPlanIsNeverChargedAsCheapAndNeverAccepted(String name, RoundPlan plan, long examples) {
    Optional<String> refusal;
    try {
      refusal = ledger.chargeBeforeAccepting("fed", 1, COORDINATOR, plan, examples, DdgAccounting.FULL, null);
    } catch (RuntimeException e) {
      refusal = Optional.of("thrown: " + e);
    }
    assertThat(refusal).as(name).isPresent();
    assertThat(ledger.all()).isEmpty();
    assertThat(saves).isEmpty();
  }

  /**
   * sigma 0 or next to it: an unbounded charge (RDP infinity), so any cap refuses it, at once. Was a hole
   * for sigma below about 1e-154 (which PrivacySettings.DpSgd accepts: positive and finite): 1 / (2 sigma^2)
   * overflowed, the accountant's series summed NaN for 10^7 terms an order, and the participant's round
   * thread spent about two minutes per invitation before an ArithmeticException. Fixed in SampledGaussianRdp.
   */
  @Test
  void aNoiselessOrAlmostNoiselessDpSgdPlanIsChargedInfinityAndRefusedByAnyCapAtOnce() {
    for (double sigma : new double[] {0, Double.MIN_VALUE, 1e-300, 1e-160, 1e-154, 1e-101}) {
      long start = System.nanoTime();
      Optional<String> capped;
      try {
        capped = ledger.chargeBeforeAccepting("fed", 1, COORDINATOR, dpSgd(1, sigma, 10), 1000, DdgAccounting.FULL,
            new PrivacyCap(PrivacyCap.MAX_EPSILON, 1e-5));
      } catch (RuntimeException e) {
        capped = Optional.of("thrown: " + e);
      }
      assertThat(capped).as("sigma " + sigma).get().asString().contains("to epsilon infinity");
      assertThat(ledger.all()).isEmpty();
      assertThat((System.nanoTime() - start) / 1e9).as("seconds for sigma " + sigma).isLessThan(2);
    }
  }

  /**
   * B above the local data: charged q = 1 for epochs steps (every example in every step), the most a
   * round of that many steps can cost; the trainer refuses B > N outright, so nothing is trained at a
   * rate above what was charged. Held (an over-charge for a round that then fails).
   */
  @Test
  void aBatchAboveTheLocalDataIsChargedAtRateOneAndTheTrainerRefusesIt() throws Exception {
    RdpBudget charge = RoundCharge.of(dpSgd(3, 1.0, 5000), 100, DdgAccounting.FULL).total();
    assertThat(charge).isEqualTo(RdpAccountant.sampledGaussian(1.0, 1.0, 3));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DpSgdOptions(1, 1.0, 5000).stepsPerEpoch(100))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * The charge counts steps as the trainer takes them, whatever B and N: epochs x ceil(N / B) at q = B / N.
   */
  @Test
  void theChargeCountsTheStepsTheTrainerTakes() throws Exception {
    for (int n : new int[] {1, 7, 64, 999, 1000, 1001}) {
      for (int b : new int[] {1, 3, 64, 1000}) {
        if (b > n) {
          continue;
        }
        DpSgdOptions dp = new DpSgdOptions(1, 1.0, b);
        RdpBudget trainer = RdpAccountant.sampledGaussian(dp.samplingRate(n), 1.0, 2L * dp.stepsPerEpoch(n));
        assertThat(RoundCharge.of(dpSgd(2, 1.0, b), n, DdgAccounting.FULL).total()).as("n=%d b=%d", n, b).isEqualTo(trainer);
      }
    }
  }

  static DdgEncoding goodEncoding() {
    return DdgEncoding.newBuilder().setBits(20).setGamma(1e-3).setBeta(Math.exp(-0.5)).setClipNorm(1)
        .setNoiseVarianceNumerator(1_000_000).setNoiseVarianceDenominator(1).setPaddedDimension(64)
        .setRotationSeed(com.google.protobuf.ByteString.copyFrom(new byte[32])).setHonestSurvivors(4).build();
  }

  static Stream<Arguments> hostileDdg() {
    DdgEncoding g = goodEncoding();
    return Stream.of(
        Arguments.of("honest survivors 0", g.toBuilder().setHonestSurvivors(0).build()),
        Arguments.of("padded dimension 0", g.toBuilder().setPaddedDimension(0).build()),
        Arguments.of("padded dimension 3", g.toBuilder().setPaddedDimension(3).build()),
        Arguments.of("padded dimension 2^31 (uint32)", g.toBuilder().setPaddedDimension(Integer.MIN_VALUE).build()),
        Arguments.of("no noise", g.toBuilder().setNoiseVarianceNumerator(0).build()),
        Arguments.of("denominator 0", g.toBuilder().setNoiseVarianceDenominator(0).build()),
        Arguments.of("gamma NaN", g.toBuilder().setGamma(Double.NaN).build()),
        Arguments.of("clip infinite", g.toBuilder().setClipNorm(Double.POSITIVE_INFINITY).build()),
        Arguments.of("beta 1", g.toBuilder().setBeta(1).build()),
        Arguments.of("bits 64", g.toBuilder().setBits(64).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileDdg")
  void aHostileDdgEncodingIsDeclinedNotChargedAsFree(String name, DdgEncoding encoding) {
    RoundPlan plan = RoundPlan.newBuilder().setPrivacy(PrivacyPlan.newBuilder().setDdg(encoding)).build();
    Optional<String> refusal = ledger.chargeBeforeAccepting("fed", 1, COORDINATOR, plan, 1000, DdgAccounting.FULL, null);
    assertThat(refusal).as(name).isPresent();
    assertThat(ledger.all()).isEmpty();
  }

  /** A tiny per-participant noise (numerator 1, denominator 2^62): an enormous charge, refused by a cap, never cheap. */
  @Test
  void aTinyDdgNoiseIsChargedForWhatItIs() {
    DdgEncoding tiny = goodEncoding().toBuilder().setNoiseVarianceNumerator(1).setNoiseVarianceDenominator(1L << 62).build();
    RoundPlan plan = RoundPlan.newBuilder().setPrivacy(PrivacyPlan.newBuilder().setDdg(tiny)).build();
    Optional<String> refusal = ledger.chargeBeforeAccepting("fed", 1, COORDINATOR, plan, 1000, DdgAccounting.FULL,
        new PrivacyCap(PrivacyCap.MAX_EPSILON, 1e-5));
    assertThat(refusal).isPresent();
    assertThat(ledger.all()).isEmpty();
  }

  /**
   * The same round number twice (a replay the node's lastRound check would stop, or a retried instance):
   * charged twice. Over-charging errs on the safe side: held.
   */
  @Test
  void aReplayedRoundNumberIsChargedAgainNeverForgiven() {
    RoundPlan plan = dpSgd(1, 1.0, 100);
    assertThat(ledger.chargeBeforeAccepting("fed", 5, COORDINATOR, plan, 1000, DdgAccounting.FULL, null)).isEmpty();
    assertThat(ledger.chargeBeforeAccepting("fed", 5, COORDINATOR, plan, 1000, DdgAccounting.FULL, null)).isEmpty();
    RdpBudget one = RdpAccountant.sampledGaussian(0.1, 1.0, 10);
    assertThat(ledger.spent("fed").total()).isEqualTo(one.plus(one));
    assertThat(ledger.spent("fed").entries()).hasSize(2);
  }

  /**
   * Two federations on the same data: each has its own cap and spend, so together they may spend the sum
   * of both caps on this participant's records. By design (privacy_cap is per federation), documented here:
   * a participant that trains every federation on the same data has no cap on the total.
   */
  @Test
  void twoFederationsEachSpendUpToTheirOwnCapOnTheSameData() {
    RoundPlan plan = dpSgd(1, 1.0, 100);
    RdpBudget one = RdpAccountant.sampledGaussian(0.1, 1.0, 10);
    PrivacyCap cap = new PrivacyCap(one.plus(one).epsilon(1e-5).epsilon(), 1e-5);
    int accepted = 0;
    for (String fed : List.of("a", "b")) {
      for (int round = 1; round <= 3; round++) {
        if (ledger.chargeBeforeAccepting(fed, round, COORDINATOR, plan, 1000, DdgAccounting.FULL, cap).isEmpty()) {
          accepted++;
        }
      }
    }
    assertThat(accepted).isEqualTo(4);
    RdpBudget total = ledger.spent("a").total().plus(ledger.spent("b").total());
    assertThat(total.epsilon(1e-5).epsilon()).isGreaterThan(cap.epsilon());
  }

  /** A store that fails (I/O or a bug): declined, nothing charged in memory, no exception out of the ledger. */
  @Test
  void aFailingStoreDeclinesAndChangesNothing() {
    for (ParticipantLedger.Store bad : List.<ParticipantLedger.Store>of(s -> {
      throw new IOException("disk full");
    }, s -> {
      throw new IllegalStateException("bug");
    })) {
      ParticipantLedger l = new ParticipantLedger(Map.of(), bad, Clock.systemUTC(), ParticipantLedger.Observer.NONE);
      Optional<String> refusal = l.chargeBeforeAccepting("fed", 1, COORDINATOR, dpSgd(1, 1.0, 100), 1000, DdgAccounting.FULL, null);
      assertThat(refusal).get().asString().contains("could not be saved");
      assertThat(l.all()).isEmpty();
    }
  }
}
