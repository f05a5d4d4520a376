package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.federation.PrivacySettings;
import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantPrivacy;
import io.fedmesh.crypto.identity.NodeId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A coordinator that drains participants' privacy caps without ever releasing a model: it invites (each
 * acceptance is charged, by design: from then on an update may leave) and then stalls or aborts the round.
 * Charging at acceptance is the accepted cost; what must bound it is the participant's
 * max_consecutive_aborts, after which it stops answering that coordinator.
 */
class PrivacyCapDrainRedTeamTest {
  static final int N = 6;

  private static RoundAttackHarness dpSgd(Map<NodeId, ParticipantLedger> ledgers) {
    RoundAttackHarness h = new RoundAttackHarness(N, s -> s.withPrivacy(PrivacySettings.central()
        .withDpSgd(new PrivacySettings.DpSgd(1, 1.0, 100))));
    h.privacy = id -> new ParticipantPrivacy(ledgers.computeIfAbsent(id, x -> new ParticipantLedger(Map.of(), s -> { },
        Clock.systemUTC(), ParticipantLedger.Observer.NONE)), 1000, DdgAccounting.FULL);
    return h;
  }

  private static int drain(RoundAttackHarness h, java.util.function.Predicate<RoundAttackHarness.Delivery> drop, int rounds,
      List<String> reasons) {
    h.tap = d -> d.from().equals(h.coordinatorId) && drop.test(d) ? List.of() : List.of(d);
    for (long round = 1; round <= rounds; round++) {
      h.start(round);
      h.run();
      h.drain();
      reasons.add(String.valueOf(h.participantReports.get(h.cohort.get(1))));
    }
    return rounds;
  }

  /** The coordinator goes silent once the keys are exchanged (no shares forwarded, no outcome): every round stalls. */
  @Test
  void aCoordinatorThatStallsEveryRoundAfterTheInvitationIsCutOffAfterMaxConsecutiveAborts() {
    Map<NodeId, ParticipantLedger> ledgers = new HashMap<>();
    RoundAttackHarness h = dpSgd(ledgers);
    List<String> reasons = new ArrayList<>();
    drain(h, d -> d.message().getSecagg().hasSharesForYou() || d.message().getSecagg().hasSurvivorList()
        || d.message().getSecagg().hasUnmaskRequest() || d.message().hasOutcome(), 12, reasons);
    int most = h.policy.maxConsecutiveAborts();
    assertThat(ledgers.get(h.cohort.get(1)).spent(RoundAttackHarness.FED).entries()).as(String.join("\n", reasons))
        .hasSizeBetween(1, most);
  }

  /** The coordinator aborts every round right after the masked inputs (drops them, then its deadline fires). */
  @Test
  void aCoordinatorThatAbortsEveryRoundIsCutOffAfterMaxConsecutiveAborts() {
    Map<NodeId, ParticipantLedger> ledgers = new HashMap<>();
    RoundAttackHarness h = dpSgd(ledgers);
    List<String> reasons = new ArrayList<>();
    h.tap = d -> d.message().getSecagg().hasMaskedInputChunk() ? List.of() : List.of(d);
    for (long round = 1; round <= 12; round++) {
      h.start(round);
      h.run();
      h.drain();
      reasons.add(String.valueOf(h.participantReports.get(h.cohort.get(1))));
    }
    assertThat(ledgers.get(h.cohort.get(1)).spent(RoundAttackHarness.FED).entries()).as(String.join("\n", reasons))
        .hasSizeBetween(1, h.policy.maxConsecutiveAborts());
  }
}
