package io.fedmesh.coordinator.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.RoundPlan;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The ledger: charges recorded before accepting, declines at the cap, failed saves, concurrent federations. */
class ParticipantLedgerTest {
  static final NodeId COORDINATOR = SigningKey.generate(SimulationRandom.fromSeed(1)).verifyingKey().nodeId();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T08:00:00Z"), ZoneOffset.UTC);
  static final RoundPlan DP_SGD = RoundChargeTest.plan(1, RoundChargeTest.dpSgd(1.0, 100)); // q 0.1, 10 steps
  static final RdpBudget ONE_ROUND = RdpAccountant.sampledGaussian(0.1, 1.0, 10);

  /** A store that keeps what was saved last (and can be made to fail). */
  static final class MemoryStore implements ParticipantLedger.Store {
    final List<Map<String, ParticipantLedger.FederationSpend>> saves = new CopyOnWriteArrayList<>();
    volatile boolean broken;

    @Override
    public void save(Map<String, ParticipantLedger.FederationSpend> spends) throws IOException {
      if (broken) {
        throw new IOException("disk full");
      }
      saves.add(Map.copyOf(spends));
    }
  }

  @Test
  void aChargeIsSavedWithItsEntryBeforeTheParticipantAccepts() {
    MemoryStore store = new MemoryStore();
    ParticipantLedger ledger = new ParticipantLedger(Map.of(), store, CLOCK, ParticipantLedger.Observer.NONE);

    assertThat(ledger.chargeBeforeAccepting("card-fraud", 7, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, null)).isEmpty();

    var saved = store.saves.get(0).get("card-fraud");
    assertThat(saved.total()).isEqualTo(ONE_ROUND);
    assertThat(saved.entries()).containsExactly(new ParticipantLedger.Entry(7, COORDINATOR.shortForm(), Mechanism.DP_SGD,
        ONE_ROUND.epsilon(1e-5).epsilon(), 1e-5, CLOCK.millis()));
    assertThat(ledger.spent("card-fraud")).isEqualTo(saved);
  }

  @Test
  void roundsAreChargedUntilTheNextWouldPassTheCapThenDeclined() {
    MemoryStore store = new MemoryStore();
    List<String> declines = new ArrayList<>();
    ParticipantLedger ledger = new ParticipantLedger(Map.of(), store, CLOCK, new ParticipantLedger.Observer() {
      @Override
      public void declined(String federation, String kind) {
        declines.add(federation + "/" + kind);
      }
    });
    PrivacyCap cap = new PrivacyCap(ONE_ROUND.plus(ONE_ROUND).plus(ONE_ROUND).epsilon(1e-5).epsilon(), 1e-5);

    for (int round = 1; round <= 3; round++) {
      assertThat(ledger.chargeBeforeAccepting("f", round, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, cap)).isEmpty();
    }
    var fourth = ledger.chargeBeforeAccepting("f", 4, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, cap);

    assertThat(fourth).hasValueSatisfying(r -> assertThat(r).startsWith("this round would take this participant's spend in f to epsilon "));
    assertThat(ledger.spent("f").entries()).hasSize(3);
    assertThat(store.saves).hasSize(3); // the declined round was not recorded
    assertThat(declines).containsExactly("f/privacy_cap");
  }

  @Test
  void aChargeThatCannotBeSavedIsDeclinedAndForgotten() {
    MemoryStore store = new MemoryStore();
    ParticipantLedger ledger = new ParticipantLedger(Map.of(), store, CLOCK, ParticipantLedger.Observer.NONE);
    store.broken = true;

    assertThat(ledger.chargeBeforeAccepting("f", 1, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, null))
        .hasValue("this participant's privacy ledger could not be saved (disk full); declining");
    assertThat(ledger.spent("f")).isEqualTo(ParticipantLedger.FederationSpend.NONE);
  }

  @Test
  void aRoundWithoutParticipantSideDpIsNotRecorded() {
    MemoryStore store = new MemoryStore();
    ParticipantLedger ledger = new ParticipantLedger(Map.of(), store, CLOCK, ParticipantLedger.Observer.NONE);

    assertThat(ledger.chargeBeforeAccepting("f", 1, COORDINATOR, RoundPlan.getDefaultInstance(), 1000, DdgAccounting.NOT_YET,
        new PrivacyCap(1, 1e-5))).isEmpty();
    assertThat(store.saves).isEmpty();
  }

  @Test
  void concurrentChargesOfTwoFederationsAreAllKept() throws Exception {
    MemoryStore store = new MemoryStore();
    ParticipantLedger ledger = new ParticipantLedger(Map.of(), store, CLOCK, ParticipantLedger.Observer.NONE);
    int rounds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (String federation : List.of("a", "b")) {
        for (int r = 1; r <= rounds; r++) {
          long round = r;
          done.add(pool.submit(() -> {
            go.await();
            return ledger.chargeBeforeAccepting(federation, round, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, null);
          }));
        }
      }
      go.countDown();
      for (Future<?> f : done) {
        assertThat(f.get()).isEqualTo(java.util.Optional.empty());
      }
    } finally {
      pool.shutdownNow();
    }

    RdpBudget expected = RdpBudget.zero();
    for (int r = 0; r < rounds; r++) {
      expected = expected.plus(ONE_ROUND);
    }
    var last = store.saves.get(store.saves.size() - 1);
    for (String federation : List.of("a", "b")) {
      assertThat(ledger.spent(federation).entries()).hasSize(rounds);
      assertThat(ledger.spent(federation).total().rdp()).containsExactly(expected.rdp(), org.assertj.core.data.Offset.offset(1e-12));
      assertThat(last.get(federation)).isEqualTo(ledger.spent(federation)); // the last save holds both
    }
  }
}
