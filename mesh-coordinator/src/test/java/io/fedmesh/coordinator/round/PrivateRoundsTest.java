package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.federation.PrivacySettings;
import io.fedmesh.coordinator.privacy.DdgRoundPlan;
import io.fedmesh.coordinator.privacy.DpStrategies;
import io.fedmesh.crypto.ddg.DdgSpec;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.RoundInvitation;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundPlan;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Rounds with client-level DP through the real engine (SecAgg+ in malicious-server mode): distributed
 * noise added by the participants with the distributed discrete Gaussian, central noise added exactly to
 * the integer sum; and a participant's refusal of a plan that would have it add less noise than the
 * federation decided.
 */
class PrivateRoundsTest {
  static final int N = 8;
  static final double SIGMA = 0.5;

  static FederationSettings dp(FederationSettings s, PrivacySettings.Mode mode, int bits) {
    return new FederationSettings(s.coordinator(), s.model(), s.inputShape(), s.classes(), s.initSeed(), s.strategy(),
        s.serverLearningRate(), s.training(), s.minParticipants(), s.maxParticipants(), 1.0, s.trainDeadlineMillis(),
        s.phaseDeadlineMillis(), s.evaluationDeadlineMillis(), s.targetDropout(), s.targetCorrupt(), s.weightCap(), true,
        s.clipNorm(), SIGMA, s.delta(), new PrivacySettings(mode, bits, PrivacySettings.DEFAULT_BETA, null));
  }

  /** The noise of the committed model against the noiseless mean, as a standard deviation per coordinate. */
  static double noiseStd(InProcessRoundsTest.Fixture f, Strategy strategy) {
    float[] global = new float[InProcessRoundsTest.M];
    RoundReport report = f.rounds().run(1, f.cohort(), global, "m", strategy, new byte[32]);
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(report.contributors()).isEqualTo(N);
    float[] next = InProcessRoundsTest.model(f, report);
    // participant i sends (i+1)/10 / sqrt(M) in every coordinate; unit weights, divisor q n = N
    double mean = 0;
    for (int i = 0; i < N; i++) {
      mean += (i + 1) / 10.0;
    }
    mean = mean / Math.sqrt(InProcessRoundsTest.M) / N;
    double sq = 0;
    for (float v : next) {
      sq += (v - mean) * (v - mean);
    }
    return Math.sqrt(sq / next.length);
  }

  @Test
  void distributedNoiseArrivesInTheSumWithTheSizeThePlanPromised() {
    InProcessRoundsTest.Fixture f = InProcessRoundsTest.fixture(N, Set.of(), ParticipantPolicy.defaults(), true,
        s -> dp(s, PrivacySettings.Mode.DISTRIBUTED, 32));
    Strategy strategy = DpStrategies.of(InProcessRoundsTest.fedAvg(), f.settings(), N, SimulationRandom.fromSeed(1));
    assertThat(strategy.describe()).startsWith("distributed-dp(");
    // Each of h honest survivors adds variance (sigma C)^2 / h; all N survive, so the sum carries N / h
    // times central's variance, divided by N for the mean.
    int h = honest(f.settings());
    double expected = SIGMA * 1.0 * Math.sqrt((double) N / h) / N;
    assertThat(noiseStd(f, strategy)).isBetween(expected * 0.6, expected * 1.5);
  }

  @Test
  void centralNoiseIsAddedToTheIntegerSumWithTheSizeAsked() {
    InProcessRoundsTest.Fixture f = InProcessRoundsTest.fixture(N, Set.of(), ParticipantPolicy.defaults(), true,
        s -> dp(s, PrivacySettings.Mode.CENTRAL, 32));
    Strategy strategy = DpStrategies.of(InProcessRoundsTest.fedAvg(), f.settings(), N, SimulationRandom.fromSeed(1));
    assertThat(strategy.describe()).startsWith("central-dp(");
    double expected = SIGMA * 1.0 / N;
    assertThat(noiseStd(f, strategy)).isBetween(expected * 0.6, expected * 1.5);
  }

  @Test
  void fewerBitsStillSumCorrectlyWhileTheyHoldTheSum() {
    InProcessRoundsTest.Fixture f = InProcessRoundsTest.fixture(N, Set.of(), ParticipantPolicy.defaults(), true,
        s -> dp(s, PrivacySettings.Mode.DISTRIBUTED, 16));
    Strategy strategy = DpStrategies.of(InProcessRoundsTest.fedAvg(), f.settings(), N, SimulationRandom.fromSeed(1));
    int h = honest(f.settings());
    double expected = SIGMA * Math.sqrt((double) N / h) / N;
    // 16 bits: coarser steps add rounding error on top of the noise, but no coordinate wraps.
    assertThat(noiseStd(f, strategy)).isBetween(expected * 0.6, expected * 2);
  }

  static int honest(FederationSettings settings) {
    RoundPlan plan = plan(settings);
    return DdgSpec.fromProto(plan.getPrivacy().getDdg(), InProcessRoundsTest.M).honestSurvivors();
  }

  static RoundPlan plan(FederationSettings settings) {
    List<io.fedmesh.crypto.identity.NodeId> cohort = InProcessRoundsTest.fixture(N, Set.of(), ParticipantPolicy.defaults(), true)
        .cohort();
    ModelRef ref = ModelRef.newBuilder().setSha256(ByteString.copyFrom(new byte[32])).setSizeBytes(InProcessRoundsTest.M * 4L)
        .setFederation(io.fedmesh.proto.v1.FederationId.newBuilder().setName("test-fed")).build();
    return RoundPlanner.plan("test-fed", settings, 1, cohort, settings.coordinator(), ref, InProcessRoundsTest.M, new byte[16]);
  }

  @Test
  void thePlanSizesNoiseForTheCohortLessDropoutsAndCorruptMembersAndIsDeterministic() {
    InProcessRoundsTest.Fixture f = InProcessRoundsTest.fixture(N, Set.of(), ParticipantPolicy.defaults(), true,
        s -> dp(s, PrivacySettings.Mode.DISTRIBUTED, 32));
    RoundPlan plan = plan(f.settings());
    // n = 8, dropout 0.2 -> D = 1, corrupt 0.05 -> C = 0: min_survivors 7, h = 7
    assertThat(plan.getSecagg().getMinSurvivors()).isEqualTo(7);
    assertThat(plan.getSecagg().getIntegerBits()).isEqualTo(32);
    assertThat(plan.getSecagg().getVectorLength()).isEqualTo(64);
    DdgSpec spec = DdgSpec.fromProto(plan.getPrivacy().getDdg(), InProcessRoundsTest.M);
    assertThat(spec.honestSurvivors()).isEqualTo(7);
    assertThat(DdgRoundPlan.plan(f.settings(), plan.getSecagg(), InProcessRoundsTest.M)).isEqualTo(spec);
    // local variance (sigma C / gamma)^2 / h, rounded up
    double local = SIGMA * SIGMA / (spec.gamma() * spec.gamma() * 7);
    assertThat(spec.noiseVariance()).isBetween(local * (1 - 1e-12), local * (1 + 1e-6));
    // Too few bits for the cohort's rounding alone: no plan.
    FederationSettings twoBits = dp(f.settings(), PrivacySettings.Mode.DISTRIBUTED, 2);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DdgRoundPlan.plan(twoBits, plan.getSecagg(), InProcessRoundsTest.M))
        .hasMessageContaining("bits per coordinate");
  }

  @Test
  void aParticipantDeclinesAPlanWithLessNoiseOrTheWrongMode() {
    InProcessRoundsTest.Fixture f = InProcessRoundsTest.fixture(N, Set.of(), ParticipantPolicy.defaults(), true,
        s -> dp(s, PrivacySettings.Mode.DISTRIBUTED, 32));
    FederationSettings settings = f.settings();
    RoundPlan honestPlan = plan(settings);
    assertThat(check(settings, honestPlan, f)).isEmpty();

    var ddg = honestPlan.getPrivacy().getDdg();
    RoundPlan lessNoise = honestPlan.toBuilder().setPrivacy(honestPlan.getPrivacy().toBuilder()
        .setDdg(ddg.toBuilder().setNoiseVarianceNumerator(ddg.getNoiseVarianceNumerator() / 100 + 1))).build();
    assertThat(check(settings, lessNoise, f)).get().asString().contains("not the one the federation's settings give");
    RoundPlan moreHonest = honestPlan.toBuilder().setPrivacy(honestPlan.getPrivacy().toBuilder()
        .setDdg(ddg.toBuilder().setHonestSurvivors(N * 10))).build();
    assertThat(check(settings, moreHonest, f)).get().asString().contains("not the one");
    RoundPlan noDdg = honestPlan.toBuilder().setPrivacy(io.fedmesh.proto.v1.PrivacyPlan.getDefaultInstance()).build();
    assertThat(check(settings, noDdg, f)).get().asString().contains("does not say so");
    // A central federation refuses a plan asking it to encode.
    FederationSettings central = dp(settings, PrivacySettings.Mode.CENTRAL, 32);
    assertThat(check(central, honestPlan, f)).get().asString().contains("does not use");
  }

  static Optional<String> check(FederationSettings settings, RoundPlan plan, InProcessRoundsTest.Fixture f) {
    RoundMessage invitation = RoundMessage.newBuilder().setRound(1).setRoundNonce(plan.getSecagg().getRoundNonce())
        .setInvitation(RoundInvitation.newBuilder().setPlan(plan)).build();
    return PolicyCheck.check("test-fed", settings, ParticipantPolicy.defaults(), id -> f.cohort().contains(id),
        f.cohort().get(0), settings.coordinator(), invitation, 0, 0);
  }
}
