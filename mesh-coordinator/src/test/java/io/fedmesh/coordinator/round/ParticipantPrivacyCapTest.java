package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantPrivacy;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.DdgEncoding;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundMessage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The participant engine against its own privacy cap: genuine invitations with DP-SGD (real plans
 * from the coordinator engine) are taken up to the cap, then declined with the reason; the charge is
 * saved before the participant joins; DDG without an accountant and DP without a ledger are declined.
 */
class ParticipantPrivacyCapTest {
  private static final int N = 6;
  private static final long EXAMPLES = 1000;
  /** q = 100 / 1000, sigma 1, one epoch of 10 batches per round. */
  private static final PrivacyPlan DP_SGD = PrivacyPlan.newBuilder()
      .setDpSgd(DpSgdPlan.newBuilder().setClipNorm(1).setNoiseMultiplier(1.0).setBatchSize(100)).build();

  private final List<Map<String, ParticipantLedger.FederationSpend>> saves = new ArrayList<>();
  private final ParticipantLedger ledger = new ParticipantLedger(Map.of(), s -> saves.add(Map.copyOf(s)), Clock.systemUTC(),
      ParticipantLedger.Observer.NONE);

  private static RoundMessage invitation(RoundAttackHarness h, long round, Consumer<PrivacyPlan.Builder> privacy) {
    RoundMessage.Builder m = LyingCoordinatorRedTeamTest.invitation(h, round).toBuilder();
    privacy.accept(m.getInvitationBuilder().getPlanBuilder().getPrivacyBuilder());
    return m.build();
  }

  private ParticipantRound participant(RoundAttackHarness h, PrivacyCap cap) {
    ParticipantRound p = new ParticipantRound(RoundAttackHarness.FED, h.settings, ParticipantPolicy.defaults().withPrivacyCap(cap),
        h.cohort::contains, h.cohort.get(1), h.keys.get(1), SimulationRandom.fromSeed(5));
    p.chargePrivacy(new ParticipantPrivacy(ledger, EXAMPLES, DdgAccounting.NOT_YET));
    return p;
  }

  private static String declineReason(List<RoundAction> out) {
    return out.stream().filter(a -> a instanceof RoundAction.Send s && s.message().hasDecline())
        .map(a -> ((RoundAction.Send) a).message().getDecline().getReason()).findFirst().orElse(null);
  }

  @Test
  void takesPartUntilTheNextRoundWouldPassItsCapThenDeclinesSayingWhy() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    int epochs = h.settings.training().epochs();
    RdpBudget oneRound = RdpAccountant.sampledGaussian(0.1, 1.0, 10L * epochs);
    // Room for exactly three rounds.
    double cap = oneRound.plus(oneRound).plus(oneRound).epsilon(1e-5).epsilon();
    PrivacyCap own = new PrivacyCap(cap, 1e-5);

    for (long round = 1; round <= 3; round++) {
      int savedBefore = saves.size();
      List<RoundAction> out = participant(h, own).start(h.coordinatorId, invitation(h, round, p -> p.mergeFrom(DP_SGD)), round - 1, 0);
      assertThat(out).anyMatch(a -> a instanceof RoundAction.Joined).anyMatch(a -> a instanceof RoundAction.FetchModel);
      assertThat(saves).hasSize(savedBefore + 1); // saved during start: before Joined reaches the driver
    }
    List<RoundAction> fourth = participant(h, own).start(h.coordinatorId, invitation(h, 4, p -> p.mergeFrom(DP_SGD)), 3, 0);

    LyingCoordinatorRedTeamTest.assertDeclined(fourth, h.coordinatorId);
    assertThat(declineReason(fourth)).startsWith("this round would take this participant's spend in " + RoundAttackHarness.FED
        + " to epsilon ").endsWith(" at delta 0.00001); declining");
    assertThat(fourth).anyMatch(a -> a instanceof RoundAction.Finished f
        && f.report().reason().equals(ParticipantRound.DECLINED + declineReason(fourth)));
    assertThat(ledger.spent(RoundAttackHarness.FED).entries()).extracting(ParticipantLedger.Entry::round).containsExactly(1L, 2L, 3L);
    assertThat(ledger.spent(RoundAttackHarness.FED).total().epsilon(1e-5).epsilon()).isLessThanOrEqualTo(cap);
  }

  @Test
  void aRoundWithoutParticipantSideDpIsTakenWhateverTheSpend() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    PrivacyCap tiny = new PrivacyCap(0.01, 1e-5); // below the conversion's floor: any DP round passes it

    List<RoundAction> out = participant(h, tiny).start(h.coordinatorId, invitation(h, 1, p -> {}), 0, 0);

    assertThat(out).anyMatch(a -> a instanceof RoundAction.Joined);
    assertThat(saves).isEmpty();
  }

  @Test
  void theDistributedDiscreteGaussianIsDeclinedUntilThisNodeCanAccountIt() {
    RoundAttackHarness h = new RoundAttackHarness(N);

    List<RoundAction> out = participant(h, null).start(h.coordinatorId,
        invitation(h, 1, p -> p.setDdg(DdgEncoding.newBuilder().setBits(16))), 0, 0);

    LyingCoordinatorRedTeamTest.assertDeclined(out, h.coordinatorId);
    assertThat(declineReason(out)).isEqualTo("this node cannot account the distributed discrete Gaussian yet");
    assertThat(saves).isEmpty();
  }

  @Test
  void withoutALedgerADpRoundIsDeclined() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    ParticipantRound noLedger = new ParticipantRound(RoundAttackHarness.FED, h.settings, ParticipantPolicy.defaults(),
        h.cohort::contains, h.cohort.get(1), h.keys.get(1), SimulationRandom.fromSeed(5));

    List<RoundAction> out = noLedger.start(h.coordinatorId, invitation(h, 1, p -> p.mergeFrom(DP_SGD)), 0, 0);

    LyingCoordinatorRedTeamTest.assertDeclined(out, h.coordinatorId);
    assertThat(declineReason(out)).startsWith("this participant keeps no privacy ledger");
  }

  @Test
  void anInvitationThePolicyRefusesChargesNothing() {
    RoundAttackHarness h = new RoundAttackHarness(N);

    // A replay (round not above the last joined) is declined by the policy check, before any charge.
    List<RoundAction> out = participant(h, null).start(h.coordinatorId, invitation(h, 1, p -> p.mergeFrom(DP_SGD)), 1, 0);

    LyingCoordinatorRedTeamTest.assertDeclined(out, h.coordinatorId);
    assertThat(saves).isEmpty();
  }
}
