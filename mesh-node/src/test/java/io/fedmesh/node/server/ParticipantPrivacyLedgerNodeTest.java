package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.node.participant.PrivacyLedgerFile;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.TrainingPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A participant node and its privacy ledger: loaded at start into the metrics, and an unusable one stops the start. */
class ParticipantPrivacyLedgerNodeTest {
  static final String FED = "card-fraud";

  @TempDir
  Path dir;

  private String config(TestMesh.Identity coordinator, TestMesh.Identity participant) {
    return "federations:\n  " + FED + ":\n    members:\n      " + coordinator.id().hex() + ": [coordinator-eligible, admin]\n      "
        + participant.id().hex() + ": [participant]\n    rounds:\n      coordinator: " + coordinator.id().hex()
        + "\n      model: mlp:8\n      input_shape: [12]\n      classes: 2\n"
        + "participant:\n  " + FED + ":\n    data: {synthetic: {institution: 0, rows: 100}}\n"
        + "    privacy_cap: {epsilon: 8, delta: 1.0e-6}\n";
  }

  @Test
  void theLedgerIsLoadedAtStartAndItsSpendExported() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity c = mesh.node("coordinator");
    TestMesh.Identity p = mesh.node("participant");
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(p.dir()));
    ParticipantLedger ledger = new ParticipantLedger(file.read(), file, Clock.systemUTC(), ParticipantLedger.Observer.NONE);
    RoundPlan plan = RoundPlan.newBuilder().setTraining(TrainingPlan.newBuilder().setEpochs(1)).setPrivacy(PrivacyPlan.newBuilder()
        .setDpSgd(DpSgdPlan.newBuilder().setClipNorm(1).setNoiseMultiplier(1.0).setBatchSize(10))).build();
    assertThat(ledger.chargeBeforeAccepting(FED, 1, c.id(), plan, 80, DdgAccounting.NOT_YET, new PrivacyCap(8, 1e-6))).isEmpty();

    try (NodeServer node = mesh.start(dir, p, config(c, p))) {
      assertThat(TestMesh.metric(node, "fedmesh_participant_epsilon_spent{federation=\"" + FED + "\"}"))
          .isEqualTo(ledger.spent(FED).total().epsilon(1e-6).epsilon());
    }
  }

  @Test
  void anUnusableLedgerStopsTheNodeWithOneLineNamingIt() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity c = mesh.node("coordinator");
    TestMesh.Identity p = mesh.node("participant");
    Path ledger = PrivacyLedgerFile.in(p.dir());
    Files.createDirectories(ledger.getParent());
    Files.writeString(ledger, "fedmesh-participant-privacy-ledger 1\norders 1.5 2.0\n");

    assertThatThrownBy(() -> mesh.start(dir, p, config(c, p))).isInstanceOf(IOException.class)
        .hasMessageStartingWith(ledger + ": line 2: tracks other RDP orders than this node; the privacy ledger is unusable")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(Files.readString(ledger)).isEqualTo("fedmesh-participant-privacy-ledger 1\norders 1.5 2.0\n"); // never reset
  }
}
