package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.EvaluationReport;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.ModelRequest;
import io.fedmesh.proto.v1.RoundDecline;
import io.fedmesh.proto.v1.RoundMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A malicious cohort member against the real coordinator engine: what it sends, the coordinator must
 * refuse (counted), and the honest members' round must go on.
 */
class MaliciousParticipantRedTeamTest {
  static final int N = 6;

  @Test
  void baselineEveryoneHonestCommits() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    h.start(1);
    RoundReport report = h.run();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(report.contributors()).isEqualTo(N);
  }

  /**
   * A member that declines and then advertises anyway must not be counted twice ("every member advertised
   * or declined"): that would close phase 0 early and cut a slower honest member out of the round.
   */
  @Test
  void aDeclineFollowedByAnAdvertisementDoesNotCountTwiceAndCutsNoHonestMemberOut() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    NodeId slow = h.cohort.get(N - 1);
    List<RoundAttackHarness.Delivery> held = new ArrayList<>();
    h.tap = d -> {
      if (d.message().hasSecagg() && d.message().getSecagg().hasAdvertiseKeys()) {
        if (d.from().equals(slow)) {
          held.add(d);
          return List.of();
        }
        if (d.from().equals(mallory)) {
          RoundMessage decline = d.message().toBuilder().setDecline(RoundDecline.newBuilder().setReason("no thanks")).build();
          return List.of(new RoundAttackHarness.Delivery(mallory, d.to(), decline), d);
        }
      }
      return List.of(d);
    };
    h.start(1);
    h.flush();
    assertThat(held).hasSize(1);
    assertThat(h.coordinator.phase()).as("phase 0 still waits for the slow honest member").isEqualTo("inviting");
    h.tap = List::of;
    h.inject(slow, h.coordinatorId, held.get(0).message());
    RoundReport report = h.run();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(h.participantReports.get(slow).committed()).as("the slow honest member contributed").isTrue();
  }

  /** A SecAgg message whose client field names another cohort member is that sender's violation, nothing more. */
  @Test
  void secAggMessagesPosingAsAnotherClientAreRefusedAndTheRoundCommits() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> {
      var s = d.message().getSecagg();
      if (d.from().equals(h.cohort.get(1)) && s.hasAdvertiseKeys()) {
        // mallory replays member 1's advertisement as its own, before member 1's arrives
        return List.of(new RoundAttackHarness.Delivery(mallory, d.to(), d.message()), d);
      }
      if (d.from().equals(mallory) && s.hasShareKeys()) {
        var forged = d.message().toBuilder();
        forged.getSecaggBuilder().getShareKeysBuilder().setClient(2);
        return List.of(new RoundAttackHarness.Delivery(mallory, d.to(), forged.build()), d);
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(h.refusals.stream().filter(r -> r.by().equals(h.coordinatorId) && r.refused().from().equals(mallory)
        && r.refused().reason().startsWith("violation_")).count()).isGreaterThanOrEqualTo(1);
    assertThat(h.refusals.stream().noneMatch(r -> r.by().equals(h.coordinatorId) && !r.refused().from().equals(mallory)))
        .as("no honest member blamed: " + h.refusals).isTrue();
  }

  /** A masked input of the wrong length: refused, the sender counts as dropped, the others' sum commits. */
  @Test
  void aMaskedInputOfTheWrongLengthIsRefusedAndTheOthersCommit() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> {
      if (d.from().equals(mallory) && d.message().getSecagg().hasMaskedInputChunk()) {
        var bad = d.message().toBuilder();
        var chunk = bad.getSecaggBuilder().getMaskedInputChunkBuilder();
        chunk.setWords(chunk.getWords().substring(0, chunk.getWords().size() - 4));
        return List.of(new RoundAttackHarness.Delivery(mallory, d.to(), bad.build()));
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(report.contributors()).isEqualTo(N - 1);
    assertThat(h.refusals(h.coordinatorId, "violation_wrong_length")).isEqualTo(1);
  }

  @Test
  void aHugeDeclineReasonIsCutTo500Characters() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> {
      if (d.from().equals(mallory) && d.message().hasSecagg()) {
        return List.of(new RoundAttackHarness.Delivery(mallory, d.to(), d.message().toBuilder()
            .setDecline(RoundDecline.newBuilder().setReason("x".repeat(3_000_000))).build()));
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(report.declined().get(mallory)).hasSize(500);
  }

  @Test
  void modelRequestsAreCappedAndOnlyTheRoundsModelsServed() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    h.tap = d -> List.of(); // nobody hears anything: only our own requests reach the coordinator
    h.start(1);
    NodeId mallory = h.cohort.get(0);
    var base = h.coordinator.plan();
    RoundMessage.Builder ask = RoundMessage.newBuilder().setRound(1).setRoundNonce(base.getSecagg().getRoundNonce());
    // an arbitrary hash: refused, and it still counts against the cap
    ModelRef other = base.getGlobalModel().toBuilder().setSha256(ByteString.copyFrom(new byte[32])).build();
    assertThat(reasons(h.coordinator.onMessage(mallory, ask.setModelRequest(ModelRequest.newBuilder().setModel(other)).build())))
        .containsExactly("unknown_model");
    int served = 0;
    for (int i = 0; i < 20; i++) {
      var out = h.coordinator.onMessage(mallory, ask.setModelRequest(ModelRequest.newBuilder().setModel(base.getGlobalModel()))
          .build());
      served += (int) out.stream().filter(a -> a instanceof RoundAction.ServeModel).count();
    }
    assertThat(served).isEqualTo(CoordinatorRound.MAX_MODEL_SENDS - 1);
    // someone outside the cohort, and a request for another instance of the round
    NodeId outsider = SigningKey.generate(SimulationRandom.fromSeed(99)).verifyingKey().nodeId();
    assertThat(reasons(h.coordinator.onMessage(outsider, ask.build()))).containsExactly("not_in_cohort");
    assertThat(reasons(h.coordinator.onMessage(h.cohort.get(1), ask.setRoundNonce(ByteString.copyFrom(new byte[32])).build())))
        .containsExactly("wrong_round");
    assertThat(reasons(h.coordinator.onMessage(h.cohort.get(1), ask.setRound(2).build()))).containsExactly("wrong_round");
  }

  /** Evaluation reports: once per contributor, for the new model, with counts that add up. */
  @Test
  void forgedEvaluationReportsAreRefusedAndTheHonestEvaluationStands() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    List<RoundMessage> mine = new ArrayList<>();
    h.tap = d -> {
      if (d.from().equals(mallory) && d.message().hasEvaluation()) {
        mine.add(d.message());
        return List.of();
      }
      return List.of(d);
    };
    h.start(1);
    h.runUntil(() -> mine.size() == 1);
    assertThat(h.coordinator.phase()).isEqualTo("evaluating");
    RoundMessage good = mine.get(0);
    EvaluationReport honest = good.getEvaluation();

    // Histograms whose counts wrap the 64-bit sum back to the confusion matrix's row totals.
    long big = 1L << 62;
    EvaluationReport.Builder wrap = honest.toBuilder().clearNegativeScores();
    for (int b = 0; b < 64; b++) {
      wrap.addNegativeScores(b == 0 ? big : b == 1 ? big : b == 2 ? big : b == 3 ? big + 5 : 0);
    }
    List<EvaluationReport> forged = List.of(
        wrap.build(),
        honest.toBuilder().setModelSha256(ByteString.copyFrom(new byte[32])).build(), // another model
        honest.toBuilder().setExamples(-1L).build(), // 2^64 - 1 on the wire
        honest.toBuilder().setLossSum(Double.NaN).build(),
        honest.toBuilder().setLossSum(-1).build(),
        honest.toBuilder().setConfusion(0, 40).build(), // does not add up to examples
        honest.toBuilder().setNegativeScores(5, 4).setNegativeScores(6, 1).setPositiveScores(50, 6).build(), // histograms off
        honest.toBuilder().clearConfusion().addAllConfusion(List.of(4L, 1L, 2L)).build());
    for (EvaluationReport r : forged) {
      var out = h.toCoordinator(mallory, good.toBuilder().setEvaluation(r).build());
      assertThat(reasons(out)).as("report " + r).containsExactly("bad_report");
    }
    // The honest report, then a second one.
    assertThat(reasons(h.toCoordinator(mallory, good))).isEmpty();
    assertThat(reasons(h.toCoordinator(mallory, good))).containsExactly("unexpected_report");
    h.drain();
    RoundReport report = h.report();
    assertThat(report.committed()).isTrue();
    assertThat(report.evaluation().examples()).isEqualTo(10L * N);
    assertThat(report.evaluation().auc()).isEqualTo(1.0);
  }

  /**
   * Documented (protocol.md 5.3): in malicious-server mode a member that advertises and then withholds
   * its graph nonce aborts the round. Measured here: one AdvertiseKeys message per round suffices.
   */
  @Test
  void aMemberThatAdvertisesThenGoesSilentAbortsTheRoundInFixGraph() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> d.from().equals(mallory) && !d.message().getSecagg().hasAdvertiseKeys() ? List.of() : List.of(d);
    h.start(1);
    RoundReport report = h.run();
    h.drain();
    assertThat(report.committed()).isFalse();
    assertThat(report.reason()).contains("graph nonce");
    assertThat(h.delivered.stream().filter(d -> d.from().equals(mallory)).count()).as("messages mallory sent").isEqualTo(1);
    for (int i = 1; i < N; i++) {
      assertThat(h.participantReports.get(h.cohort.get(i)).committed()).isFalse();
    }
  }

  /**
   * One member that advertises and then withholds its graph nonce aborts the round it is chosen for
   * (above). Were it chosen again and again, every honest participant would count each abort against the
   * coordinator and, after max_consecutive_aborts (5), decline every further round: five AdvertiseKeys
   * messages from one member would take the federation down (found by the red team: rounds 1-5 aborted,
   * round 6 declined by all five honest members). The coordinator now names who withheld a nonce and
   * leaves them out of its next cohorts ({@link Exclusions}, as CoordinatorDriver does), so one abort is
   * all it gets. (A participant still cannot tell such aborts from a coordinator re-drawing the graph.)
   */
  @Test
  void oneMemberThatAdvertisesThenGoesSilentCannotLockEveryHonestParticipantOut() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> d.from().equals(mallory) && !d.message().getSecagg().hasAdvertiseKeys() ? List.of() : List.of(d);
    for (long round = 1; round <= 6; round++) {
      h.start(round);
      h.run();
      h.drain();
    }
    long declinedByHonest = h.participantReports.entrySet().stream()
        .filter(e -> !e.getKey().equals(mallory) && e.getValue().round() == 6
            && e.getValue().reason().startsWith(ParticipantRound.DECLINED)).count();
    assertThat(declinedByHonest).as("honest members that stopped answering the coordinator").isZero();
  }

  static List<String> reasons(List<RoundAction> actions) {
    return actions.stream().filter(a -> a instanceof RoundAction.Refused).map(a -> ((RoundAction.Refused) a).reason()).toList();
  }
}
