package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.coordinator.privacy.SpendCheck;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.participant.PrivacyLedgerFile;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.TrainingPlan;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fedmesh privacy spent`: the ledger in the data directory as text and JSON, and every bad path. */
class PrivacySpentCommandTest {
  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);
  private static final NodeId COORDINATOR = SigningKey.generate(SimulationRandom.fromSeed(3)).verifyingKey().nodeId();
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T08:00:00Z"), ZoneOffset.UTC);
  private static final RoundPlan DP_SGD = RoundPlan.newBuilder().setTraining(TrainingPlan.newBuilder().setEpochs(1))
      .setPrivacy(PrivacyPlan.newBuilder().setDpSgd(DpSgdPlan.newBuilder().setClipNorm(1).setNoiseMultiplier(1.1).setBatchSize(100)))
      .build();

  @TempDir
  Path dir;
  private Path config;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void config() throws Exception {
    config = Files.writeString(dir.resolve("node.yaml"), String.join("\n",
        "data_dir: data",
        "federations:",
        "  card-fraud:",
        "    members: {" + A + ": [participant], " + B + ": [coordinator-eligible]}",
        "    rounds: {coordinator: " + B + ", model: 'mlp:16', input_shape: [12], classes: 2}",
        "  loans:",
        "    members: {" + A + ": [participant], " + B + ": [coordinator-eligible]}",
        "    rounds: {coordinator: " + B + ", model: 'mlp:16', input_shape: [12], classes: 2}",
        "participant:",
        "  card-fraud:",
        "    data: {synthetic: {institution: 1}}",
        "    privacy_cap: {epsilon: 8, delta: 1.0e-6}",
        "  loans:",
        "    data: {synthetic: {institution: 1}}",
        ""));
  }

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  /** Two charged rounds in card-fraud, as the node records them. */
  private ParticipantLedger charge() throws Exception {
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(dir.resolve("data")));
    ParticipantLedger ledger = new ParticipantLedger(file.read(), file, CLOCK, ParticipantLedger.Observer.NONE);
    PrivacyCap cap = new PrivacyCap(8, 1e-6);
    assertThat(ledger.chargeBeforeAccepting("card-fraud", 3, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, cap)).isEmpty();
    assertThat(ledger.chargeBeforeAccepting("card-fraud", 4, COORDINATOR, DP_SGD, 1000, DdgAccounting.NOT_YET, cap)).isEmpty();
    return ledger;
  }

  @Test
  void printsEachFederationsSpendAtItsCapsDeltaRoundedUpAndItsCharges() throws Exception {
    ParticipantLedger ledger = charge();
    double epsilon = ledger.spent("card-fraud").total().epsilon(1e-6).epsilon();
    double one = ledger.spent("card-fraud").entries().get(0).epsilon();

    assertThat(run("privacy", "spent", "--config", config.toString())).as(err.toString()).isZero();

    assertThat(out.toString().lines()).containsExactly(
        "card-fraud: epsilon " + SpendCheck.roundedUp(epsilon) + " at delta 0.000001 (own cap 8 at delta 0.000001), 2 charge(s)",
        "  round 3      2026-12-05T08:00:00Z  coordinator " + COORDINATOR.shortForm() + "  dp-sgd  epsilon "
            + SpendCheck.roundedUp(one) + " alone at delta 0.000001",
        "  round 4      2026-12-05T08:00:00Z  coordinator " + COORDINATOR.shortForm() + "  dp-sgd  epsilon "
            + SpendCheck.roundedUp(one) + " alone at delta 0.000001",
        "loans: nothing charged (no cap)");
    assertThat(Double.parseDouble(SpendCheck.roundedUp(epsilon))).isGreaterThanOrEqualTo(epsilon);
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void jsonIsOneObjectWithExactValues() throws Exception {
    ParticipantLedger ledger = charge();
    var entry = ledger.spent("card-fraud").entries().get(0);

    assertThat(run("privacy", "spent", "--config", config.toString(), "--federation", "card-fraud", "--delta", "1e-5", "--json"))
        .as(err.toString()).isZero();

    String ledgerPath = PrivacyLedgerFile.in(dir.resolve("data")).toString();
    String charge = "{\"round\": %d, \"coordinator\": \"" + COORDINATOR.shortForm() + "\", \"mechanism\": \"dp-sgd\", "
        + "\"epsilon\": " + entry.epsilon() + ", \"delta\": 1.0E-6, \"time\": \"2026-12-05T08:00:00Z\"}";
    assertThat(out.toString()).isEqualTo("{\"ledger\": \"" + ledgerPath + "\", \"federations\": [{\"federation\": \"card-fraud\", "
        + "\"epsilon\": " + ledger.spent("card-fraud").total().epsilon(1e-5).epsilon() + ", \"delta\": 1.0E-5, "
        + "\"cap\": {\"epsilon\": 8.0, \"delta\": 1.0E-6}, \"charges\": [" + String.format(charge, 3) + ", "
        + String.format(charge, 4) + "]}]}" + System.lineSeparator());
  }

  @Test
  void aNodeThatHasChargedNothingSaysSo() {
    assertThat(run("privacy", "spent", "--config", config.toString(), "--federation", "card-fraud")).as(err.toString()).isZero();
    assertThat(out.toString().lines()).containsExactly("card-fraud: nothing charged (own cap 8 at delta 0.000001)");
  }

  @Test
  void aMissingConfigIsOneLineAndExit1() {
    assertThat(run("privacy", "spent", "--config", dir.resolve("none.yaml").toString())).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("fedmesh: " + dir.resolve("none.yaml") + ": 1 problem: no such file" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void anUnreadableLedgerIsOneLineNamingItAndExit1() throws Exception {
    Path ledger = PrivacyLedgerFile.in(dir.resolve("data"));
    Files.createDirectories(ledger.getParent());
    Files.writeString(ledger, "garbage\n");

    assertThat(run("privacy", "spent", "--config", config.toString())).isEqualTo(1);

    assertThat(err.toString().lines()).singleElement().asString().startsWith("fedmesh: " + ledger + ": not a participant privacy ledger");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void anUnknownFederationIsExit1AndABadDeltaExit2() throws Exception {
    charge();
    assertThat(run("privacy", "spent", "--config", config.toString(), "--federation", "nowhere")).isEqualTo(1);
    assertThat(err.toString()).startsWith("fedmesh: federation 'nowhere' has neither a participant section in ");

    StringWriter usage = new StringWriter();
    assertThat(FedmeshMain.run(new String[] {"privacy", "spent", "--config", config.toString(), "--delta", "1"},
        new PrintWriter(out, true), new PrintWriter(usage, true))).isEqualTo(2);
    assertThat(usage.toString().lines()).singleElement().asString().startsWith("fedmesh: --delta must be in (0, 1), got 1.0");
  }
}
