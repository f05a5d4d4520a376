package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.GraphNonce;
import io.fedmesh.proto.v1.MaskedInputChunk;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.ShareComplaint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Red team of the bounded masked-input uploads (C1MaskedInput, protocol.md 8.2 "Bounded uploads"), of
 * the graph-nonce exclusions and of the participant's wave-scaled deadlines, against the real engines.
 * Each test asserts the safe behaviour.
 */
class BoundedUploadsRedTeamTest {
  static final int N = 6;
  static final int BOUND = 2;
  /** A model whose masked input (m + 1 words) takes two chunks of RoundPlanner.CHUNK_WORDS. */
  static final int BIG = RoundPlanner.CHUNK_WORDS + 2;
  static final long D = 1000; // the harness's phase deadline

  static boolean chunk(RoundAttackHarness.Delivery d) {
    return d.message().hasSecagg() && d.message().getSecagg().hasMaskedInputChunk();
  }

  static RoundAttackHarness.Delivery withSecAgg(RoundAttackHarness.Delivery d, SecAggMessage m) {
    return new RoundAttackHarness.Delivery(d.from(), d.to(), d.message().toBuilder().setSecagg(m).build());
  }

  static RoundAttackHarness.Delivery withChunk(RoundAttackHarness.Delivery d, MaskedInputChunk c) {
    return withSecAgg(d, d.message().getSecagg().toBuilder().setMaskedInputChunk(c).build());
  }

  /** Vector bytes the server may hold: the running sum plus {@code bound} whole uploads being staged. */
  static long boundBytes(RoundAttackHarness h, int bound) {
    long words = h.m + 1L;
    return 4 * words * (1 + bound);
  }

  static void assertCommittedWithout(RoundAttackHarness h, RoundReport report, int contributors) {
    assertThat(report).as("the round ended").isNotNull();
    assertThat(report.committed()).as(report.reason()).isTrue();
    assertThat(report.contributors()).isEqualTo(contributors);
  }

  @Test
  void baselineHonestMultiChunkRoundWithBoundCommitsWithinTheMemoryBound() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    h.start(1);
    RoundReport report = h.run();
    assertCommittedWithout(h, report, N);
    assertThat(h.coordinator.secAggServer().peakHeldBytes()).isLessThanOrEqualTo(boundBytes(h, BOUND));
  }

  /**
   * Mallory sends chunk 0 twice instead of chunks 0 and 1: the duplicate is refused by the server and must
   * not count towards chunkCount, so her slot stays taken (no extra upload staged) until it is cut.
   */
  @Test
  void aDuplicateChunkDoesNotCountAsAnUploadNorFreeTheSlotEarly() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    NodeId mallory = h.cohort.get(0);
    List<RoundAttackHarness.Delivery> firstChunk = new ArrayList<>();
    h.tap = d -> {
      if (d.from().equals(mallory) && chunk(d)) {
        if (firstChunk.isEmpty()) {
          firstChunk.add(d);
        } else {
          return List.of(firstChunk.get(0)); // chunk 0 again, never chunk 1
        }
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(h.refusals(h.coordinatorId, "violation_duplicate")).isPositive();
    assertCommittedWithout(h, report, N - 1);
    assertThat(h.coordinator.secAggServer().peakHeldBytes()).isLessThanOrEqualTo(boundBytes(h, BOUND));
  }

  /** Chunks of another index range, or naming another client, are refused and count for nothing. */
  @Test
  void chunksOutOfRangeOrPosingAsAnotherClientAreNotCounted() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> {
      if (d.from().equals(mallory) && chunk(d)) {
        MaskedInputChunk c = d.message().getSecagg().getMaskedInputChunk();
        if (c.getIndex() == 1) {
          return List.of(withChunk(d, c.toBuilder().setIndex(2).build()), withChunk(d, c.toBuilder().setClient(1).build()),
              withChunk(d, c.toBuilder().setIndex(-1).build()), withChunk(d, c.toBuilder().setCount(1).build()));
        }
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(h.refusals(h.coordinatorId, "violation_wrong_length")).isEqualTo(3);
    assertThat(h.refusals(h.coordinatorId, "violation_inconsistent")).isEqualTo(1);
    assertCommittedWithout(h, report, N - 1);
    assertThat(h.coordinator.secAggServer().peakHeldBytes()).isLessThanOrEqualTo(boundBytes(h, BOUND));
  }

  /** A complaint frees the slot; chunks after it are refused before the server sees them. */
  @Test
  void chunksAfterAComplaintAreRefusedAndStageNothing() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    NodeId mallory = h.cohort.get(0);
    List<Integer> dealer = new ArrayList<>();
    h.tap = d -> {
      if (d.to().equals(mallory) && d.message().hasSecagg() && d.message().getSecagg().hasSharesForYou()) {
        dealer.add(d.message().getSecagg().getSharesForYou().getShares(0).getFrom());
      }
      if (d.from().equals(mallory) && chunk(d) && d.message().getSecagg().getMaskedInputChunk().getIndex() == 0) {
        SecAggMessage complaint = SecAggMessage.newBuilder().setRound(1)
            .setShareComplaint(ShareComplaint.newBuilder().setClient(0).setDealer(dealer.get(0))).build();
        return List.of(withSecAgg(d, complaint), d);
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(h.refusals(h.coordinatorId, "not_uploading")).isEqualTo(2);
    assertCommittedWithout(h, report, N - 1);
    assertThat(h.coordinator.secAggServer().complaints()).hasSize(1);
  }

  /** A chunk before its turn is refused and staged nowhere; its upload in its turn still counts. */
  @Test
  void aChunkBeforeItsTurnIsRefusedAndTheRealUploadLaterCounts() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    int last = N - 1;
    NodeId mallory = h.cohort.get(last);
    boolean[] injected = {false};
    h.tap = d -> {
      if (!injected[0] && d.from().equals(h.coordinatorId) && d.message().hasSecagg()
          && d.message().getSecagg().hasSharesForYou()) {
        injected[0] = true;
        SecAggMessage early = SecAggMessage.newBuilder().setRound(1).setMaskedInputChunk(MaskedInputChunk.newBuilder()
            .setClient(last).setIndex(0).setCount(2).setWords(ByteString.copyFrom(new byte[4 * RoundPlanner.CHUNK_WORDS])))
            .build();
        return List.of(d, new RoundAttackHarness.Delivery(mallory, h.coordinatorId,
            RoundMessage.newBuilder().setRound(1).setRoundNonce(d.message().getRoundNonce()).setSecagg(early).build()));
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(injected[0]).isTrue();
    assertThat(h.refusals(h.coordinatorId, "not_uploading")).isEqualTo(1);
    assertCommittedWithout(h, report, N);
    assertThat(h.coordinator.secAggServer().peakHeldBytes()).isLessThanOrEqualTo(boundBytes(h, BOUND));
  }

  /** A member that goes silent holding a slot is cut after a deadline; its late chunks are refused; the phase ends. */
  @Test
  void aSilentSlotHolderIsCutAndItsLateChunksRefused() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    NodeId mallory = h.cohort.get(0);
    h.latency = d -> d.from().equals(mallory) && chunk(d) ? 3 * D / 2 : 0;
    h.start(1);
    RoundReport report = h.run();
    h.drain();
    assertThat(h.refusals(h.coordinatorId, "late")).isEqualTo(2);
    assertCommittedWithout(h, report, N - 1);
  }

  /**
   * Members that upload chunk 0, go silent and are cut: their staged chunks must not stay in the server
   * while the next wave stages its own, else the staging memory is not bound x vector.
   */
  @Test
  void cutPartialUploadsDoNotStayStagedBeyondTheBound() {
    int n = 8;
    RoundAttackHarness h = new RoundAttackHarness(n, BIG, BOUND);
    List<NodeId> mallories = List.of(h.cohort.get(0), h.cohort.get(2), h.cohort.get(4));
    h.tap = d -> mallories.contains(d.from()) && chunk(d) && d.message().getSecagg().getMaskedInputChunk().getIndex() == 1
        ? List.of() : List.of(d);
    h.start(1);
    RoundReport report = h.run();
    assertThat(report).isNotNull();
    assertThat(h.coordinator.secAggServer().peakHeldBytes()).as("bytes staged at once")
        .isLessThanOrEqualTo(boundBytes(h, BOUND));
  }

  /**
   * Honest members on a slow link (each upload takes 0.4 phase deadlines) must not be cut: with bound 2,
   * the third wave is granted at 0.8 D, and a slot granted just before the coordinator's timer fires must
   * get (nearly) a whole phase deadline, not what is left of the current one.
   */
  @Test
  void aSlowHonestUploaderGrantedLateInAnIntervalIsNotCut() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    h.latency = d -> chunk(d) ? 4 * D / 10 : 0;
    h.start(1);
    RoundReport report = h.run();
    assertThat(h.refusals(h.coordinatorId, "late")).as("honest chunks refused as late").isZero();
    assertCommittedWithout(h, report, N);
  }

  /** Everyone silent in the masked-input phase: it still ends, by timers alone, within one deadline per wave. */
  @Test
  void thePhaseEndsWhenEverySlotHolderIsSilent() {
    RoundAttackHarness h = new RoundAttackHarness(N, BIG, BOUND);
    long[] maskedInputStart = {-1};
    h.tap = d -> {
      if (maskedInputStart[0] < 0 && d.message().hasSecagg() && d.message().getSecagg().hasSharesForYou()) {
        maskedInputStart[0] = h.now();
      }
      return chunk(d) ? List.of() : List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    assertThat(report).isNotNull();
    assertThat(report.committed()).isFalse();
    long waves = (N + BOUND - 1) / BOUND;
    assertThat(h.now() - maskedInputStart[0]).isLessThanOrEqualTo(waves * D);
  }

  // --- exclusions ---

  /** Mallory withholds her nonce and poses as an honest member revealing a bogus one: only she is excluded. */
  @Test
  void aWithholderCannotGetAnHonestMemberExcluded() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> {
      if (d.from().equals(mallory) && d.message().hasSecagg() && d.message().getSecagg().hasGraphNonce()) {
        List<RoundAttackHarness.Delivery> forged = new ArrayList<>();
        for (int victim = 1; victim < N; victim++) {
          forged.add(withSecAgg(d, d.message().getSecagg().toBuilder().setGraphNonce(GraphNonce.newBuilder()
              .setClient(victim).setNonce(ByteString.copyFrom(new byte[32]))).build()));
        }
        return forged;
      }
      return List.of(d);
    };
    h.start(1);
    RoundReport report = h.run();
    h.drain();
    assertThat(report.committed()).isFalse();
    assertThat(h.coordinator.withheldGraphNonces()).containsExactly(mallory);
    h.tap = List::of;
    h.start(2);
    RoundReport next = h.run();
    assertCommittedWithout(h, next, N - 1);
  }

  /** A withholder that reveals late (after FIX_GRAPH closed), or a nonce not matching its commitment, is excluded. */
  @Test
  void aLateOrBadRevealDoesNotEvadeExclusion() {
    RoundAttackHarness late = new RoundAttackHarness(N);
    NodeId mallory = late.cohort.get(0);
    late.latency = d -> d.from().equals(mallory) && d.message().hasSecagg() && d.message().getSecagg().hasGraphNonce()
        ? 3 * D / 2 : 0;
    late.start(1);
    late.run();
    late.drain();
    assertThat(late.coordinator.withheldGraphNonces()).containsExactly(mallory);

    RoundAttackHarness bad = new RoundAttackHarness(N);
    NodeId mallory2 = bad.cohort.get(0);
    bad.tap = d -> {
      if (d.from().equals(mallory2) && d.message().hasSecagg() && d.message().getSecagg().hasGraphNonce()) {
        GraphNonce g = d.message().getSecagg().getGraphNonce();
        byte[] flipped = g.getNonce().toByteArray();
        flipped[0] ^= 1;
        RoundAttackHarness.Delivery wrong = withSecAgg(d, d.message().getSecagg().toBuilder()
            .setGraphNonce(g.toBuilder().setNonce(ByteString.copyFrom(flipped))).build());
        return List.of(wrong);
      }
      return List.of(d);
    };
    bad.start(1);
    bad.run();
    bad.drain();
    assertThat(bad.refusals(bad.coordinatorId, "violation_inconsistent")).isEqualTo(1);
    assertThat(bad.coordinator.withheldGraphNonces()).containsExactly(mallory2);
    bad.tap = List::of;
    bad.start(2);
    assertThat(bad.coordinator.plan().getSecagg().getCohortCount()).isEqualTo(N - 1);
  }

  /** Revealing twice: the first reveal counts (the round goes on), the second is a refused duplicate. */
  @Test
  void aDoubleRevealIsRefusedAndTheRoundCommits() {
    RoundAttackHarness h = new RoundAttackHarness(N);
    NodeId mallory = h.cohort.get(0);
    h.tap = d -> d.from().equals(mallory) && d.message().hasSecagg() && d.message().getSecagg().hasGraphNonce()
        ? List.of(d, d) : List.of(d);
    h.start(1);
    RoundReport report = h.run();
    assertCommittedWithout(h, report, N);
    assertThat(h.refusals(h.coordinatorId, "violation_duplicate")).isEqualTo(1);
    assertThat(h.coordinator.withheldGraphNonces()).isEmpty();
  }

  // --- a lying coordinator and the participant's deadlines ---

  /**
   * A coordinator announcing max_concurrent_uploads = 1 and then going silent: each participant waits
   * (1 + n) phase deadlines plus slack at most, then ends the round by itself; nothing is revealed.
   */
  @Test
  void aBoundOfOneFromASilentCoordinatorHoldsParticipantsOnlyForBoundedTime() {
    RoundAttackHarness h = new RoundAttackHarness(N, RoundAttackHarness.M, 1);
    h.tap = d -> d.from().equals(h.coordinatorId) && d.message().hasSecagg() && d.message().getSecagg().hasSharesForYou()
        ? List.of() : List.of(d);
    h.start(1);
    h.run();
    h.drain();
    long wait = (1 + N) * D + ParticipantRound.SLACK_MILLIS;
    for (NodeId member : h.cohort) {
      assertThat(h.participantReports.get(member).committed()).isFalse();
      assertThat(h.sent(member, "MASKED_INPUT_CHUNK")).isZero();
    }
    assertThat(h.now()).as("when the last participant gave up").isLessThanOrEqualTo(1000 + 5 * D + wait);
    assertThat(Arrays.asList(h.coordinator.plan().getMaxConcurrentUploads())).containsExactly(1);
  }
}
