package io.fedmesh.node.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.TrainingPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The participant's privacy ledger on disk: survives a restart, atomic, and never silently reset. */
class PrivacyLedgerFileTest {
  static final NodeId COORDINATOR = SigningKey.generate(SimulationRandom.fromSeed(3)).verifyingKey().nodeId();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T08:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  static RoundPlan dpSgdPlan(double sigma) {
    return RoundPlan.newBuilder().setTraining(TrainingPlan.newBuilder().setEpochs(2))
        .setPrivacy(PrivacyPlan.newBuilder().setDpSgd(DpSgdPlan.newBuilder().setClipNorm(1).setNoiseMultiplier(sigma).setBatchSize(50)))
        .build();
  }

  /** A ledger on {@code file} as a node starts it, with a few charges in two federations. */
  static ParticipantLedger charged(PrivacyLedgerFile file) throws IOException {
    ParticipantLedger ledger = new ParticipantLedger(file.read(), file, CLOCK, ParticipantLedger.Observer.NONE);
    assertThat(ledger.chargeBeforeAccepting("card-fraud", 1, COORDINATOR, dpSgdPlan(1.1), 1000, DdgAccounting.NOT_YET,
        new PrivacyCap(8, 1e-5))).isEmpty();
    assertThat(ledger.chargeBeforeAccepting("card-fraud", 2, COORDINATOR, dpSgdPlan(1.1), 1000, DdgAccounting.NOT_YET,
        new PrivacyCap(8, 1e-5))).isEmpty();
    assertThat(ledger.chargeBeforeAccepting("loans", 9, COORDINATOR, dpSgdPlan(0.8), 400, DdgAccounting.NOT_YET, null)).isEmpty();
    return ledger;
  }

  @Test
  void whatWasChargedIsReadBackExactlyAfterARestart() throws IOException {
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(dir));
    ParticipantLedger before = charged(file);

    ParticipantLedger after = new ParticipantLedger(new PrivacyLedgerFile(PrivacyLedgerFile.in(dir)).read(), file, CLOCK,
        ParticipantLedger.Observer.NONE);

    assertThat(after.all()).isEqualTo(before.all());
    assertThat(after.spent("card-fraud").entries()).hasSize(2);
    assertThat(after.spent("loans").entries().get(0).delta()).isEqualTo(ParticipantLedger.DEFAULT_DELTA);
    assertThat(PrivacyLedgerFile.in(dir)).isEqualTo(dir.resolve("privacy/participant-ledger.txt"));
  }

  @Test
  void aNewNodeHasAnEmptyLedger() throws IOException {
    assertThat(new PrivacyLedgerFile(PrivacyLedgerFile.in(dir)).read()).isEmpty();
  }

  @Test
  void aLeftoverTemporaryFileFromACrashChangesNothing() throws IOException {
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(dir));
    ParticipantLedger before = charged(file);
    // A crash between writing the temporary file and the rename leaves one like this beside the ledger.
    Files.writeString(file.path().resolveSibling(".participant-ledger.txt4711.tmp"), "fedmesh-participant-privacy-ledger 1\nfedera");

    assertThat(file.read()).isEqualTo(before.all());
    ParticipantLedger restarted = new ParticipantLedger(file.read(), file, CLOCK, ParticipantLedger.Observer.NONE);
    assertThat(restarted.chargeBeforeAccepting("loans", 10, COORDINATOR, dpSgdPlan(0.8), 400, DdgAccounting.NOT_YET, null)).isEmpty();
    assertThat(file.read().get("loans").entries()).hasSize(2);
  }

  @Test
  void aCorruptOrForeignFileIsRefusedWithOneLineNamingIt() throws IOException {
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(dir));
    charged(file);
    String good = Files.readString(file.path());

    for (String bad : new String[] {
        "{\"spent\": 3}\n", // not this format at all
        good.replace("federation loans ", "federation loans x"), // a number mangled
        good.substring(0, good.indexOf("\ncharge")) + "\ncharge card-fraud 1\n", // a charge cut short
        good.replace("orders 1.1 ", "orders 1.05 "), // tracked at other orders
        good.replace("dp-sgd", "central"), // a mechanism participants do not charge
        good.replace("charge loans", "charge nowhere")}) { // a charge of no federation
      Files.writeString(file.path(), bad);
      assertThatThrownBy(file::read).as(bad).isInstanceOf(IOException.class)
          .hasMessageStartingWith(file.path() + ": ")
          .hasMessageContaining("the privacy ledger is unusable")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }
}
