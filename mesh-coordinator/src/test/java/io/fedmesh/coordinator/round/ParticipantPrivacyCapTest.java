package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.federation.PrivacySettings;
import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantPrivacy;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.RoundMessage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The participant engine against its own privacy cap: genuine invitations with DP-SGD (real plans
 * from the coordinator engine) are taken up to the cap, then declined with the reason; the charge is
 * saved before the participant joins; a DDG round is charged the whole mechanism; DDG without an
 * accountant and DP without a ledger are declined.
 */
class ParticipantPrivacyCapTest {
  private static final int N = 6;
  private static final long EXAMPLES = 1000;
  /** q = 100 / 1000, sigma 1, one epoch of 10 batches per round: the federation's DP-SGD, so its plans carry it. */
  private static RoundAttackHarness dpSgd() {
    return new RoundAttackHarness(N, s -> s.withPrivacy(PrivacySettings.central().withDpSgd(new PrivacySettings.DpSgd(1, 1.0, 100))));
  }

  /** A federation whose participants add the distributed discrete Gaussian. */
  private static RoundAttackHarness ddg() {
    return new RoundAttackHarness(N, s -> new FederationSettings(s.coordinator(), s.model(), s.inputShape(), s.classes(),
        s.initSeed(), s.strategy(), s.serverLearningRate(), s.training(), s.minParticipants(), s.maxParticipants(), 1.0,
        s.trainDeadlineMillis(), s.phaseDeadlineMillis(), s.evaluationDeadlineMillis(), s.targetDropout(), s.targetCorrupt(),
        s.weightCap(), true, s.clipNorm(), 1.0, s.delta(), new PrivacySettings(PrivacySettings.Mode.DISTRIBUTED, 20,
            PrivacySettings.DEFAULT_BETA, null)));
  }

  private final List<Map<String, ParticipantLedger.FederationSpend>> saves = new ArrayList<>();
  private final ParticipantLedger ledger = new ParticipantLedger(Map.of(), s -> saves.add(Map.copyOf(s)), Clock.systemUTC(),
      ParticipantLedger.Observer.NONE);

  private static RoundMessage invitation(RoundAttackHarness h, long round) {
    return LyingCoordinatorRedTeamTest.invitation(h, round);
  }

  private ParticipantRound participant(RoundAttackHarness h, PrivacyCap cap) {
    return participant(h, cap, DdgAccounting.FULL);
  }

  private ParticipantRound participant(RoundAttackHarness h, PrivacyCap cap, DdgAccounting ddg) {
    ParticipantRound p = new ParticipantRound(RoundAttackHarness.FED, h.settings, ParticipantPolicy.defaults().withPrivacyCap(cap),
        h.cohort::contains, h.cohort.get(1), h.keys.get(1), SimulationRandom.fromSeed(5));
    p.chargePrivacy(new ParticipantPrivacy(ledger, EXAMPLES, ddg));
    return p;
  }

  private static String declineReason(List<RoundAction> out) {
    return out.stream().filter(a -> a instanceof RoundAction.Send s && s.message().hasDecline())
        .map(a -> ((RoundAction.Send) a).message().getDecline().getReason()).findFirst().orElse(null);
  }

  @Test
  void takesPartUntilTheNextRoundWouldPassItsCapThenDeclinesSayingWhy() {
    RoundAttackHarness h = dpSgd();
    int epochs = h.settings.training().epochs();
    RdpBudget oneRound = RdpAccountant.sampledGaussian(0.1, 1.0, 10L * epochs);
    // Room for exactly three rounds.
    double cap = oneRound.plus(oneRound).plus(oneRound).epsilon(1e-5).epsilon();
    PrivacyCap own = new PrivacyCap(cap, 1e-5);

    for (long round = 1; round <= 3; round++) {
      int savedBefore = saves.size();
      List<RoundAction> out = participant(h, own).start(h.coordinatorId, invitation(h, round), round - 1, 0);
      assertThat(out).anyMatch(a -> a instanceof RoundAction.Joined).anyMatch(a -> a instanceof RoundAction.FetchModel);
      assertThat(saves).hasSize(savedBefore + 1); // saved during start: before Joined reaches the driver
    }
    List<RoundAction> fourth = participant(h, own).start(h.coordinatorId, invitation(h, 4), 3, 0);

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

    List<RoundAction> out = participant(h, tiny).start(h.coordinatorId, invitation(h, 1), 0, 0);

    assertThat(out).anyMatch(a -> a instanceof RoundAction.Joined);
    assertThat(saves).isEmpty();
  }

  @Test
  void aDistributedRoundIsChargedTheFullMechanismAndDeclinedWithoutAnAccountant() {
    RoundAttackHarness h = ddg();
    RoundMessage invitation = invitation(h, 1);

    List<RoundAction> out = participant(h, null).start(h.coordinatorId, invitation, 0, 0);

    assertThat(out).as(String.valueOf(declineReason(out))).anyMatch(a -> a instanceof RoundAction.Joined);
    // The participant's charge is the DDG bound at rate 1: no amplification by the coordinator's sampling.
    var spec = io.fedmesh.crypto.ddg.DdgSpec.fromProto(invitation.getInvitation().getPlan().getPrivacy().getDdg(), h.m);
    assertThat(ledger.spent(RoundAttackHarness.FED).total()).isEqualTo(io.fedmesh.coordinator.privacy.RoundPrivacy.ddg(spec, 1.0));
    assertThat(ledger.spent(RoundAttackHarness.FED).entries()).singleElement()
        .extracting(ParticipantLedger.Entry::mechanism).isEqualTo(io.fedmesh.coordinator.privacy.Mechanism.DDG);

    List<RoundAction> unaccounted = participant(h, null, DdgAccounting.NOT_YET).start(h.coordinatorId, invitation(h, 2), 1, 0);
    LyingCoordinatorRedTeamTest.assertDeclined(unaccounted, h.coordinatorId);
    assertThat(declineReason(unaccounted)).isEqualTo("this node cannot account the distributed discrete Gaussian yet");
  }

  @Test
  void withoutALedgerADpRoundIsDeclined() {
    RoundAttackHarness h = dpSgd();
    ParticipantRound noLedger = new ParticipantRound(RoundAttackHarness.FED, h.settings, ParticipantPolicy.defaults(),
        h.cohort::contains, h.cohort.get(1), h.keys.get(1), SimulationRandom.fromSeed(5));

    List<RoundAction> out = noLedger.start(h.coordinatorId, invitation(h, 1), 0, 0);

    LyingCoordinatorRedTeamTest.assertDeclined(out, h.coordinatorId);
    assertThat(declineReason(out)).startsWith("this participant keeps no privacy ledger");
  }

  @Test
  void anInvitationThePolicyRefusesChargesNothing() {
    RoundAttackHarness h = dpSgd();

    // A replay (round not above the last joined) is declined by the policy check, before any charge.
    List<RoundAction> out = participant(h, null).start(h.coordinatorId, invitation(h, 1), 1, 0);

    LyingCoordinatorRedTeamTest.assertDeclined(out, h.coordinatorId);
    assertThat(saves).isEmpty();
  }
}
