package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundOutcome;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SurvivorList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A lying coordinator against the real participant engine: plans that are not the federation's,
 * replays, messages from others, out-of-order and duplicate server messages, outcomes that lie.
 */
class LyingCoordinatorRedTeamTest {
  static final int N = 6;

  /** A genuine invitation of round {@code round} for the harness's cohort. */
  static RoundMessage invitation(RoundAttackHarness h, long round) {
    List<RoundMessage> seen = new ArrayList<>();
    h.tap = d -> {
      if (d.message().hasInvitation()) {
        seen.add(d.message());
      }
      return List.of();
    };
    h.start(round);
    return seen.get(0);
  }

  static ParticipantRound victim(RoundAttackHarness h) {
    return new ParticipantRound(RoundAttackHarness.FED, h.settings, ParticipantPolicy.defaults(), h.cohort::contains,
        h.cohort.get(1), h.keys.get(1), SimulationRandom.fromSeed(5));
  }

  static Arguments lie(String name, Consumer<RoundMessage.Builder> edit) {
    return Arguments.of(name, edit);
  }

  static Stream<Arguments> lies() {
    NodeId other = SigningKey.generate(SimulationRandom.fromSeed(42)).verifyingKey().nodeId();
    return Stream.of(
        lie("clip norm", m -> m.getInvitationBuilder().getPlanBuilder().setClipNorm(100)),
        lie("phase deadline (24 days of waiting)", m -> m.getInvitationBuilder().getPlanBuilder().setPhaseDeadlineMs(2_000_000_000)),
        lie("training deadline", m -> m.getInvitationBuilder().getPlanBuilder().setTrainDeadlineMs(1)),
        lie("SecAgg clip", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder().setClip(100)),
        lie("unit weights", m -> m.getInvitationBuilder().getPlanBuilder().setUnitWeights(true)),
        lie("weight cap", m -> m.getInvitationBuilder().getPlanBuilder().setWeightCap(1)),
        lie("learning rate", m -> m.getInvitationBuilder().getPlanBuilder().getTrainingBuilder().setLearningRate(50)),
        lie("epochs", m -> m.getInvitationBuilder().getPlanBuilder().getTrainingBuilder().setEpochs(1000)),
        lie("optimizer", m -> m.getInvitationBuilder().getPlanBuilder().getTrainingBuilder().setOptimizer("adam")),
        lie("proximal mu", m -> m.getInvitationBuilder().getPlanBuilder().getTrainingBuilder().setProximalMu(0.5)),
        lie("model spec", m -> m.getInvitationBuilder().getPlanBuilder().setModelSpec("mlp:64")),
        lie("curious mode", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder().setMaliciousServer(false)),
        lie("threshold 2", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder().setThreshold(2)),
        lie("min_survivors 1", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder().setMinSurvivors(1)),
        lie("victim twice", m -> {
          var s = m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder();
          s.setCohort(2, s.getCohort(1));
        }),
        lie("victim not in cohort", m -> {
          var s = m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder();
          s.setCohort(1, RoundPlanner.id(other));
        }),
        lie("tiny cohort", m -> {
          var s = m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder();
          var keep = List.of(s.getCohort(0), s.getCohort(1));
          s.clearCohort().addAllCohort(keep).setNeighbours(1).setThreshold(2).setMinSurvivors(2);
        }),
        lie("another coordinator named", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder()
            .setCoordinator(RoundPlanner.id(other))),
        lie("SecAgg round differs", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder().setRound(m.getRound() + 1)),
        lie("SecAgg nonce differs", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder()
            .setRoundNonce(ByteString.copyFrom(new byte[32]))),
        lie("message nonce differs", m -> m.setRoundNonce(ByteString.copyFrom(new byte[32]))),
        lie("SecAgg federation", m -> m.getInvitationBuilder().getPlanBuilder().getSecaggBuilder()
            .setFederation(FederationId.newBuilder().setName("other"))),
        lie("model federation", m -> m.getInvitationBuilder().getPlanBuilder().getGlobalModelBuilder()
            .setFederation(FederationId.newBuilder().setName("other"))),
        lie("model size", m -> m.getInvitationBuilder().getPlanBuilder().getGlobalModelBuilder().setSizeBytes(1L << 30)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lies")
  void aPlanThatIsNotTheFederationsIsDeclinedBeforeAnythingIsFetchedOrTrained(String name, Consumer<RoundMessage.Builder> edit) {
    RoundAttackHarness h = new RoundAttackHarness(N);
    RoundMessage.Builder m = invitation(h, 1).toBuilder();
    edit.accept(m);
    assertDeclined(victim(h).start(h.coordinatorId, m.build(), 0, 0), h.coordinatorId);
  }

  @Test
  void aReplayedInvitationARoundNotHigherAndAnotherSenderAreDeclined() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    RoundMessage genuine = invitation(h, 3);
    assertDeclined(victim(h).start(h.coordinatorId, genuine, 3, 0), h.coordinatorId); // replay of the round joined
    assertDeclined(victim(h).start(h.coordinatorId, genuine, 7, 0), h.coordinatorId); // older than the last
    NodeId sybil = h.cohort.get(0); // the same plan, signed by another member
    assertDeclined(victim(h).start(sybil, genuine, 0, 0), sybil);
    assertDeclined(victim(h).start(h.coordinatorId, genuine, 0, ParticipantPolicy.defaults().maxConsecutiveAborts()),
        h.coordinatorId);
    // and the genuine one is joined
    assertThat(victim(h).start(h.coordinatorId, genuine, 2, 0)).anyMatch(a -> a instanceof RoundAction.FetchModel);
  }

  static void assertDeclined(List<RoundAction> out, NodeId to) {
    assertThat(out).noneMatch(a -> a instanceof RoundAction.FetchModel || a instanceof RoundAction.Train
        || a instanceof RoundAction.Joined);
    assertThat(out).anyMatch(a -> a instanceof RoundAction.Send s && s.to().equals(to) && s.message().hasDecline()
        && !s.message().getDecline().getReason().isEmpty() && s.message().getDecline().getReason().length() <= 500);
    assertThat(out).anyMatch(a -> a instanceof RoundAction.Finished f && !f.report().committed());
  }

  /** Server messages from anyone but the round's coordinator, or for another instance, change nothing. */
  @Test
  void serverMessagesFromAnotherMemberOrInstanceAreRefused() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    NodeId victim = h.cohort.get(1);
    List<RoundAttackHarness.Delivery> directory = new ArrayList<>();
    h.tap = d -> {
      if (d.to().equals(victim) && d.message().getSecagg().hasKeyDirectory()) {
        directory.add(d);
        // mallory sends it first, as its own, then a copy for another instance, then the genuine one twice
        return List.of(new RoundAttackHarness.Delivery(mallory, victim, d.message()),
            new RoundAttackHarness.Delivery(d.from(), victim, d.message().toBuilder().setRoundNonce(ByteString.copyFrom(new byte[32]))
                .build()),
            new RoundAttackHarness.Delivery(d.from(), victim, d.message().toBuilder().setRound(d.message().getRound() + 1).build()),
            d, d);
      }
      if (d.to().equals(victim) && d.message().hasOutcome()) {
        return List.of(new RoundAttackHarness.Delivery(mallory, victim, d.message()), d);
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    h.drain();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(h.refusals(victim, "not_coordinator")).isEqualTo(2);
    assertThat(h.refusals(victim, "wrong_round")).isEqualTo(2);
    assertThat(h.refusals(victim, "late")).as("the second directory").isEqualTo(1);
    assertThat(h.participantReports.get(victim).committed()).isTrue();
    assertThat(h.sent(victim, "EVALUATION")).isEqualTo(1);
  }

  /**
   * Server messages sent ahead of their phase wait for it; a second early copy is refused; a forged early
   * one is refused when its phase comes and the genuine one still counts; nothing is answered twice.
   */
  @Test
  void earlyAndDuplicatedServerMessagesAreAnsweredOnceInOrder() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId victim = h.cohort.get(1);
    h.tap = d -> {
      var s = d.message().getSecagg();
      if (d.to().equals(victim) && s.hasKeyDirectory()) {
        RoundMessage forged = d.message().toBuilder().setSecagg(SecAggMessage.newBuilder().setRound(99)
            .setSurvivorList(SurvivorList.newBuilder().addSurvivors(1))).build();
        RoundAttackHarness.Delivery early = new RoundAttackHarness.Delivery(d.from(), victim, forged);
        return List.of(early, early, d);
      }
      if (d.to().equals(victim) && (s.hasUnmaskRequest() || s.hasSurvivorList() || s.hasGraphNonces()
          || s.hasSharesForYou())) {
        return List.of(d, d, d);
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    h.drain();
    assertThat(report.committed()).as(report.reason() + h.refusals).isTrue();
    assertThat(report.contributors()).isEqualTo(N);
    assertThat(h.refusals(victim, "duplicate")).isEqualTo(1);
    assertThat(h.sent(victim, "SURVIVOR_LIST_SIGNATURE")).as(h.participantReports.get(victim) + " " + h.refusals).isEqualTo(1);
    assertThat(h.sent(victim, "UNMASK_RESPONSE")).as("shares revealed once").isEqualTo(1);
    assertThat(h.sent(victim, "SHARE_KEYS")).isEqualTo(1);
    assertThat(h.sent(victim, "MASKED_INPUT_CHUNK")).isEqualTo(1);
    assertThat(h.trainings.get(victim)).isEqualTo(1);
    assertThat(h.participantReports.get(victim).committed()).isTrue();
  }

  /**
   * A committed outcome before the victim unmasked: it evaluates the named model (if its input was
   * summed) and never reveals shares afterwards, whatever unmask request follows.
   */
  @Test
  void aCommittedOutcomeBeforeTheUnmaskEndsTheVictimsPartWithoutRevealingLater() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId victim = h.cohort.get(1);
    h.tap = d -> {
      if (d.to().equals(victim) && d.message().getSecagg().hasUnmaskRequest()) {
        RoundMessage fake = d.message().toBuilder().setOutcome(RoundOutcome.newBuilder().setCommitted(true)
            .setModel(h.coordinator.plan().getGlobalModel()).setContributors(N)).build();
        return List.of(new RoundAttackHarness.Delivery(d.from(), victim, fake), d);
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    h.drain();
    assertThat(h.sent(victim, "UNMASK_RESPONSE")).isZero();
    assertThat(report.committed()).as("the others unmask without it").isTrue();
  }

  /** An outcome naming a model that cannot be this round's (another federation, another size): nothing is fetched. */
  @Test
  void aCommittedOutcomeNamingAModelThatDoesNotFitIsNotFetched() {
    for (Consumer<RoundOutcome.Builder> lie : List.<Consumer<RoundOutcome.Builder>>of(
        o -> o.getModelBuilder().setSizeBytes(8),
        o -> o.getModelBuilder().setFederation(FederationId.newBuilder().setName("other")),
        o -> o.getModelBuilder().setSha256(ByteString.copyFrom(new byte[3])))) {
      RoundAttackHarness h = new RoundAttackHarness(N);
      NodeId victim = h.cohort.get(1);
      List<RoundAction> fetches = new ArrayList<>();
      h.tap = d -> {
        if (d.to().equals(victim) && d.message().hasOutcome()) {
          RoundMessage.Builder b = d.message().toBuilder();
          lie.accept(b.getOutcomeBuilder());
          var out = h.participants.get(victim).onMessage(d.from(), b.build());
          fetches.addAll(out.stream().filter(a -> a instanceof RoundAction.FetchModel).toList());
          h.participantActions(victim, out);
          return List.of();
        }
        return List.of(d);
      };
      h.start(1);
      h.run();
      h.drain();
      assertThat(fetches).isEmpty();
      assertThat(h.participantReports.get(victim).committed()).isFalse();
    }
  }

  /**
   * The max_consecutive_aborts cap (protocol.md 5.2: a coordinator that sees every graph nonce could
   * abort and retry until it likes the graph) must count every round a lying coordinator ends without
   * this participant's contribution: an abort whose reason it words like a decline, or a "committed"
   * outcome for a round the participant's input was never summed in, must not pass for anything else.
   */
  @Test
  void aLyingCoordinatorCannotKeepItsAbortsOffTheConsecutiveAbortCount() {
    for (RoundOutcome fake : List.of(
        RoundOutcome.newBuilder().setCommitted(false).setReason("declined: nothing to see").build(),
        RoundOutcome.newBuilder().setCommitted(true).setContributors(N).build())) {
      RoundAttackHarness h = new RoundAttackHarness(N);
      NodeId victim = h.cohort.get(1);
      h.tap = d -> {
        // right after the graph nonces (which the coordinator has now seen), it "ends" the round
        if (d.to().equals(victim) && d.message().getSecagg().hasGraphNonces()) {
          RoundMessage.Builder b = d.message().toBuilder().setOutcome(fake);
          if (fake.getCommitted()) {
            b.getOutcomeBuilder().setModel(h.coordinator.plan().getGlobalModel());
          }
          return List.of(new RoundAttackHarness.Delivery(d.from(), victim, b.build()));
        }
        return List.of(d);
      };
      h.start(1);
      h.run();
      h.drain();
      RoundReport mine = h.participantReports.get(victim);
      assertThat(mine.committed()).as("fake " + fake).isFalse();
      assertThat(abortCounts(mine)).as("counted as an abort: " + mine.reason()).isTrue();
    }
  }

  /** How a node's participant agent classifies a report (ParticipantAgent.finished): does it count as an abort? */
  static boolean abortCounts(RoundReport report) {
    return !report.committed() && !report.reason().startsWith(ParticipantRound.DECLINED)
        && !report.reason().startsWith(ParticipantRound.LEFT_OUT);
  }
}
