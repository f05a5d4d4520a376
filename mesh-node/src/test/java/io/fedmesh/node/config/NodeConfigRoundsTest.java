package io.fedmesh.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.node.cli.FedmeshMain;
import io.fedmesh.proto.v1.Role;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The federation's {@code rounds:} section and the node's {@code participant:} section of a node config. */
class NodeConfigRoundsTest {
  static final String A = "a".repeat(64);
  static final String B = "b".repeat(64);
  static final String C = "c".repeat(64);
  private static final String MEMBERS = String.join("\n",
      "federations:",
      "  card-fraud:",
      "    members: {" + A + ": [participant], " + B + ": [coordinator-eligible, admin], " + C + ": [participant, coordinator-eligible]}",
      "");

  @TempDir
  Path dir;

  private NodeConfig load(String yaml) throws Exception {
    return NodeConfig.load(Files.writeString(dir.resolve("node.yaml"), yaml));
  }

  /** The problems a config with {@code rounds} (under card-fraud) and then {@code rest} has. */
  private List<String> problems(String rounds, String rest) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> load(MEMBERS + rounds + rest));
    assertThat(t).isInstanceOf(NodeConfig.InvalidConfigException.class);
    return ((NodeConfig.InvalidConfigException) t).problems();
  }

  private static final String ROUNDS = String.join("\n",
      "    rounds:",
      "      coordinator: " + B,
      "      model: mlp:16",
      "      input_shape: [12]",
      "      classes: 2",
      "");
  private static final String PARTICIPANT = String.join("\n",
      "participant:",
      "  card-fraud:",
      "    data: {synthetic: {institution: 1}}",
      "");

  @Test
  void aFullConfigParsesToTheGivenValues() throws Exception {
    NodeConfig c = load(MEMBERS + String.join("\n",
        "    rounds:",
        "      coordinator: " + B,
        "      model: mlp:16,8",
        "      input_shape: [1, 28, 28]",
        "      classes: 10",
        "      init_seed: 42",
        "      strategy: fedprox",
        "      server_lr: 0.5",
        "      training: {optimizer: adam, learning_rate: 0.01, epochs: 3, batch_size: 64, proximal_mu: 0.1}",
        "      participants: {min: 3, max: 50, sampling: 0.5}",
        "      deadlines_ms: {train: 60000, phase: 10000, evaluation: 20000}",
        "      targets: {dropout: 0.2, corrupt: 0.1}",
        "      weight_cap: 5000",
        "      unit_weights: true",
        "      clip_norm: 0.5",
        "      dp: {noise_multiplier: 1.1, delta: 1.0e-6}",
        "  other:",
        "    members: {" + A + ": [participant]}",
        "participant:",
        "  card-fraud:",
        "    data:",
        "      csv: {path: data/fraud.csv, label: is_fraud}",
        "    holdout: 0.25",
        "    holdout_seed: 9",
        "    policy:",
        "      require_malicious_server: false",
        "      min_cohort: 4",
        "      min_threshold: 3",
        "      targets: {dropout: 0.3, corrupt: 0.2}",
        "      coordinators: [" + B + ", " + C + "]",
        "      max_consecutive_aborts: 2",
        "    privacy_cap: {epsilon: 8, delta: 1.0e-6}",
        ""));

    assertThat(c.rounds("card-fraud")).contains(new FederationSettings(NodeId.ofHex(B), ModelSpec.mlp(16, 8),
        new int[] {1, 28, 28}, 10, 42, "fedprox", 0.5, new TrainingOptions(TrainingOptions.Optimizer.ADAM, 0.01, 3, 64, 0.1),
        3, 50, 0.5, 60_000, 10_000, 20_000, 0.2, 0.1, 5000, true, 0.5, 1.1, 1e-6));
    assertThat(c.rounds("other")).isEmpty();
    assertThat(c.rounds("nowhere")).isEmpty();
    assertThat(c.participant()).containsOnlyKeys("card-fraud");
    assertThat(c.participant().get("card-fraud")).isEqualTo(new ParticipantSettings("card-fraud",
        new DataSource.Csv(dir.toAbsolutePath().resolve("data/fraud.csv"), "is_fraud"), 0.25, 9,
        new ParticipantPolicy(false, 4, 3, 0.3, 0.2, Set.of(NodeId.ofHex(B), NodeId.ofHex(C)), 2, new PrivacyCap(8, 1e-6))));
    // What was there before still reads the same.
    assertThat(c.federations()).containsOnlyKeys("card-fraud", "other");
    assertThat(c.roles("card-fraud", NodeId.ofHex(B))).containsExactlyInAnyOrder(Role.ROLE_COORDINATOR_ELIGIBLE, Role.ROLE_ADMIN);
  }

  @Test
  void omittedFieldsTakeTheirDefaults() throws Exception {
    NodeConfig c = load(MEMBERS + ROUNDS + PARTICIPANT);
    assertThat(c.rounds("card-fraud")).contains(FederationSettings.defaults(NodeId.ofHex(B), ModelSpec.mlp(16), new int[] {12}, 2));
    assertThat(c.participant().get("card-fraud"))
        .isEqualTo(ParticipantSettings.defaults("card-fraud", new DataSource.Synthetic(1, 4, 2000, 1)));
    FederationSettings d = c.rounds("card-fraud").orElseThrow();
    assertThat(List.of(d.initSeed(), d.trainDeadlineMillis(), d.phaseDeadlineMillis(), d.evaluationDeadlineMillis(), d.weightCap()))
        .containsExactly(1L, 120_000L, 30_000L, 60_000L, 10_000L);
    assertThat(d.training()).isEqualTo(new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.05, 1, 32, 0));
    assertThat(c.participant().get("card-fraud").policy()).isEqualTo(new ParticipantPolicy(true, 3, 2, 0.1, 0.05, Set.of(), 5));
    assertThat(c.participant().get("card-fraud").holdout()).isEqualTo(0.2);
  }

  @Test
  void withoutTheNewSectionsAConfigHasNoRoundsAndNoParticipation() throws Exception {
    NodeConfig c = load(MEMBERS);
    assertThat(c.rounds()).isEmpty();
    assertThat(c.rounds("card-fraud")).isEmpty();
    assertThat(c.participant()).isEmpty();
  }

  @Test
  void dpModeDdgBitsAndDpSgdAreReadAndChecked() throws Exception {
    NodeConfig c = load(MEMBERS + ROUNDS + "      unit_weights: true\n      dp: {noise_multiplier: 1.1, mode: distributed, ddg_bits: 20,"
        + " ddg_beta: 0.5, dp_sgd: {clip_norm: 1.5, noise_multiplier: 0.9, batch_size: 32}}\n");
    var s = c.rounds("card-fraud").orElseThrow();
    assertThat(s.distributedNoise()).isTrue();
    assertThat(s.privacy()).isEqualTo(new io.fedmesh.coordinator.federation.PrivacySettings(
        io.fedmesh.coordinator.federation.PrivacySettings.Mode.DISTRIBUTED, 20, 0.5,
        new io.fedmesh.coordinator.federation.PrivacySettings.DpSgd(1.5, 0.9, 32)));
    assertThat(load(MEMBERS + ROUNDS).rounds("card-fraud").orElseThrow().privacy())
        .isEqualTo(io.fedmesh.coordinator.federation.PrivacySettings.central());
    assertThat(problems(ROUNDS + "      dp: {mode: sideways, ddg_bits: 40, ddg_beta: 1, dp_sgd: {clip_norm: 1}}\n", ""))
        .containsExactlyInAnyOrder(
            "federations.card-fraud.rounds.dp.mode: expected central or distributed, got 'sideways'",
            "federations.card-fraud.rounds.dp.ddg_bits: expected a whole number from 2 to 32, got '40'",
            "federations.card-fraud.rounds.dp.ddg_beta: expected a number in [0, 1), got '1'",
            "federations.card-fraud.rounds.dp.dp_sgd.noise_multiplier: required",
            "federations.card-fraud.rounds.dp.dp_sgd.batch_size: required");
  }

  @Test
  void unknownFieldsAnywhereAreNamed() {
    assertThat(problems(ROUNDS + "      colour: blue\n      training: {momentum: 0.9}\n      dp: {epsilon: 1}\n",
        PARTICIPANT + "    weight: 3\n    policy: {trust: all, targets: {byzantine: 0.1}}\n")).containsExactlyInAnyOrder(
        "federations.card-fraud.rounds.colour: unknown field (known: classes, clip_norm, coordinator, deadlines_ms, dp, "
            + "init_seed, input_shape, model, participants, personalisation, server_lr, server_optimizer, strategy, targets, "
            + "training, unit_weights, weight_cap)",
        "federations.card-fraud.rounds.training.momentum: unknown field (known: batch_size, epochs, learning_rate, optimizer, proximal_mu)",
        "federations.card-fraud.rounds.dp.epsilon: unknown field (known: ddg_beta, ddg_bits, delta, dp_sgd, mode, noise_multiplier)",
        "participant.card-fraud.weight: unknown field (known: data, holdout, holdout_seed, policy, privacy_cap)",
        "participant.card-fraud.policy.trust: unknown field (known: coordinators, max_consecutive_aborts, min_cohort, "
            + "min_threshold, require_malicious_server, targets)",
        "participant.card-fraud.policy.targets.byzantine: unknown field (known: corrupt, dropout)");
  }

  @Test
  void aMissingOrIneligibleCoordinatorIsNamed() {
    assertThat(problems("    rounds: {model: logistic, input_shape: [12], classes: 2}\n", ""))
        .containsExactly("federations.card-fraud.rounds.coordinator: required");
    assertThat(problems(ROUNDS.replace(B, A), ""))
        .containsExactly("federations.card-fraud.rounds.coordinator: " + A + " is a member without role coordinator-eligible");
    assertThat(problems(ROUNDS.replace(B, "d".repeat(64)), ""))
        .containsExactly("federations.card-fraud.rounds.coordinator: " + "d".repeat(64) + " is not a member of this federation");
    assertThat(problems(ROUNDS.replace(B, "bob"), ""))
        .containsExactly("federations.card-fraud.rounds.coordinator: not a node id (64 hex digits, as 'fedmesh keys init' prints), got 'bob'");
    assertThat(problems("    rounds:\n", "")).containsExactly("federations.card-fraud.rounds.coordinator: required",
        "federations.card-fraud.rounds.model: required", "federations.card-fraud.rounds.input_shape: required",
        "federations.card-fraud.rounds.classes: required");
  }

  @Test
  void badValuesAreNamedWithWhatWasExpected() {
    assertThat(problems(ROUNDS.replace("mlp:16", "mlp:x"), "")).containsExactly(
        "federations.card-fraud.rounds.model: model 'mlp:x': 'x' is not a layer width");
    assertThat(problems(ROUNDS.replace("mlp:16", "transformer"), "")).singleElement().asString()
        .startsWith("federations.card-fraud.rounds.model: model 'transformer' is not logistic, mlp");
    assertThat(problems(ROUNDS + "      clip_norm: -1\n", "")).containsExactly(
        "federations.card-fraud.rounds.clip_norm: expected a positive number, got '-1'");
    assertThat(problems(ROUNDS + "      participants: {min: 5, max: 3}\n", "")).containsExactly(
        "federations.card-fraud.rounds.participants: min (5) must not exceed max (3)");
    assertThat(problems(ROUNDS + "      participants: {min: 1, sampling: 2}\n      deadlines_ms: {phase: 10}\n", ""))
        .containsExactlyInAnyOrder(
            "federations.card-fraud.rounds.participants.min: expected a whole number from 2 to 100000, got '1'",
            "federations.card-fraud.rounds.participants.sampling: expected a number in (0, 1], got '2'",
            "federations.card-fraud.rounds.deadlines_ms.phase: expected a whole number from 100 to 86400000, got '10'");
    assertThat(problems(ROUNDS.replace("[12]", "[0]").replace("classes: 2", "classes: two"), "")).containsExactlyInAnyOrder(
        "federations.card-fraud.rounds.input_shape: expected dimensions from 1 to 1048576, got '0'",
        "federations.card-fraud.rounds.classes: expected a whole number from 2 to 10000, got 'two'");
    assertThat(problems(ROUNDS + "      strategy: fedsgd\n      training: {optimizer: lbfgs}\n      unit_weights: yes please\n", ""))
        .containsExactlyInAnyOrder(
            "federations.card-fraud.rounds.strategy: strategy 'fedsgd' is not one of [fedavg, fedprox, scaffold, fedavgm, "
                + "fedadam, fedyogi, fedadagrad]",
            "federations.card-fraud.rounds.training.optimizer: expected sgd or adam, got 'lbfgs'",
            "federations.card-fraud.rounds.unit_weights: expected true or false, got 'yes please'");
  }

  @Test
  void everyAlgorithmAndTheServerOptimiserAreReadAndChecked() throws Exception {
    for (String name : new String[] {"fedavg", "scaffold", "fedavgm", "fedadam", "fedyogi", "fedadagrad"}) {
      assertThat(load(MEMBERS + ROUNDS + "      strategy: " + name + "\n").rounds("card-fraud").orElseThrow().strategy())
          .isEqualTo(name);
    }
    var s = load(MEMBERS + ROUNDS + "      strategy: FedAdam\n      server_lr: 0.01\n"
        + "      server_optimizer: {beta_1: 0.8, beta_2: 0.999, tau: 0.01}\n").rounds("card-fraud").orElseThrow();
    assertThat(s.algorithm()).isEqualTo(io.fedmesh.ml.strategy.Algorithm.FEDADAM);
    assertThat(s.adaptive()).isEqualTo(new io.fedmesh.ml.strategy.AdaptiveOptions(0.8, 0.999, 0.01));
    assertThat(load(MEMBERS + ROUNDS).rounds("card-fraud").orElseThrow().adaptive())
        .isEqualTo(io.fedmesh.ml.strategy.AdaptiveOptions.defaults());
    assertThat(problems(ROUNDS + "      server_optimizer: {beta_1: 1, beta_2: -0.1, tau: 0, momentum: 0.9}\n", ""))
        .containsExactlyInAnyOrder(
            "federations.card-fraud.rounds.server_optimizer.beta_1: expected a number in [0, 1), got '1'",
            "federations.card-fraud.rounds.server_optimizer.beta_2: expected a number in [0, 1), got '-0.1'",
            "federations.card-fraud.rounds.server_optimizer.tau: expected a number in (0, 1], got '0'",
            "federations.card-fraud.rounds.server_optimizer.momentum: unknown field (known: beta_1, beta_2, tau)");
    assertThat(problems(ROUNDS + "      strategy: scaffold\n      unit_weights: true\n      dp: {noise_multiplier: 1.0}\n", ""))
        .containsExactly("federations.card-fraud.rounds: scaffold does not run with differential privacy yet (its control"
            + " deltas are not covered by the accounting)");
    assertThat(problems(ROUNDS + "      strategy: scaffold\n      training: {optimizer: adam}\n", ""))
        .containsExactly("federations.card-fraud.rounds: scaffold's control variates assume local SGD, not ADAM");
  }

  @Test
  void personalisationIsReadAndChecked() throws Exception {
    var s = load(MEMBERS + ROUNDS + "      personalisation: {private_layers: [04Linear, head.], fine_tune_epochs: 2}\n")
        .rounds("card-fraud").orElseThrow();
    assertThat(s.personalisation()).isEqualTo(new io.fedmesh.ml.train.Personalisation(java.util.List.of("04Linear", "head."), 2));
    assertThat(load(MEMBERS + ROUNDS).rounds("card-fraud").orElseThrow().personalisation())
        .isEqualTo(io.fedmesh.ml.train.Personalisation.none());
    assertThat(problems(ROUNDS + "      personalisation: {private_layers: [3], fine_tune_epochs: -1, layers: [a]}\n", ""))
        .containsExactlyInAnyOrder(
            "federations.card-fraud.rounds.personalisation.private_layers: expected parameter-name prefixes (non-empty text), got '3'",
            "federations.card-fraud.rounds.personalisation.fine_tune_epochs: expected a whole number from 0 to 1000, got '-1'",
            "federations.card-fraud.rounds.personalisation.layers: unknown field (known: fine_tune_epochs, private_layers)");
    assertThat(problems(ROUNDS + "      strategy: scaffold\n      personalisation: {private_layers: [04Linear]}\n", ""))
        .containsExactly("federations.card-fraud.rounds: scaffold does not keep private layers yet (its control variates span"
            + " the whole model)");
  }

  @Test
  void settingsThatContradictEachOtherAreNamed() {
    assertThat(problems(ROUNDS + "      dp: {noise_multiplier: 1.0}\n", "")).containsExactly(
        "federations.card-fraud.rounds.dp.noise_multiplier: DP rounds need unit_weights: true (the accountant assumes every update weighs 1)");
    assertThat(problems(ROUNDS + "      strategy: fedprox\n", "")).containsExactly(
        "federations.card-fraud.rounds.strategy: fedprox needs training.proximal_mu > 0 (with 0 it is fedavg)");
    assertThat(problems(ROUNDS + "      training: {proximal_mu: 0.1}\n", "")).containsExactly(
        "federations.card-fraud.rounds.training.proximal_mu: a proximal term is FedProx: set strategy: fedprox, or proximal_mu: 0");
    assertThat(problems(ROUNDS + "      participants: {max: 2}\n", PARTICIPANT)).containsExactly(
        "participant.card-fraud.policy.min_cohort: 3 is more than federations.card-fraud.rounds.participants.max (2): "
            + "this node would decline every round");
  }

  @Test
  void aPrivacyCapIsCheckedAndItsDeltaDefaults() throws Exception {
    assertThat(load(MEMBERS + ROUNDS + PARTICIPANT + "    privacy_cap: {epsilon: 3.5}\n").participant().get("card-fraud")
        .policy().cap()).contains(new PrivacyCap(3.5, 1e-5));
    assertThat(problems(ROUNDS, PARTICIPANT + "    privacy_cap: {epsilon: 0, delta: 0.5}\n")).containsExactlyInAnyOrder(
        "participant.card-fraud.privacy_cap.epsilon: expected a number in (0, 1000], got '0'",
        "participant.card-fraud.privacy_cap.delta: expected a number in (0, 0.1), got '0.5'");
    assertThat(problems(ROUNDS, PARTICIPANT + "    privacy_cap: {epsilon: 1001, delta: 1e-5}\n")).containsExactly(
        "participant.card-fraud.privacy_cap.epsilon: expected a number in (0, 1000], got '1001'");
    assertThat(problems(ROUNDS, PARTICIPANT + "    privacy_cap: {delta: 1.0e-5, rounds: 3}\n")).containsExactlyInAnyOrder(
        "participant.card-fraud.privacy_cap.rounds: unknown field (known: delta, epsilon)",
        "participant.card-fraud.privacy_cap.epsilon: required");
  }

  @Test
  void participantSectionsAreCheckedAgainstTheFederations() {
    assertThat(problems(ROUNDS, PARTICIPANT.replace("synthetic: {institution: 1}", "synthetic: {institution: 1}, csv: {path: a.csv}")))
        .containsExactly("participant.card-fraud.data: expected exactly one of csv, idx, synthetic, got csv and synthetic");
    assertThat(problems(ROUNDS, PARTICIPANT.replace("synthetic: {institution: 1}", "parquet: {path: a.parquet}")))
        .containsExactly("participant.card-fraud.data.parquet: unknown field (known: csv, idx, synthetic)",
            "participant.card-fraud.data: expected exactly one of csv, idx, synthetic, got none");
    assertThat(problems(ROUNDS, "participant:\n  card-fraud: {holdout: 0.95}\n")).containsExactly(
        "participant.card-fraud.data: required", "participant.card-fraud.holdout: expected a fraction in (0, 0.9], got '0.95'");
    assertThat(problems(ROUNDS, PARTICIPANT.replace("{institution: 1}", "{institution: 4, institutions: 4}")
        .replace("card-fraud:", "card-fraud:\n    policy: {coordinators: [" + A + "], min_cohort: 1}"))).containsExactlyInAnyOrder(
        "participant.card-fraud.data.synthetic.institution: expected a whole number from 0 to 3, got '4'",
        "participant.card-fraud.policy.coordinators: " + A + " is a member without role coordinator-eligible",
        "participant.card-fraud.policy.min_cohort: expected a whole number from 2 to 100000, got '1'");
    assertThat(problems("", PARTICIPANT)).containsExactly(
        "participant.card-fraud: federations.card-fraud has no rounds section, so there are no rounds to take part in");
    assertThat(problems(ROUNDS, PARTICIPANT.replace("  card-fraud:", "  loan-default:"))).containsExactly(
        "participant.loan-default: no federation 'loan-default' under federations");
    assertThat(problems(ROUNDS, PARTICIPANT.replace("synthetic: {institution: 1}", "idx: {images: i.idx, first: -1}")))
        .containsExactlyInAnyOrder("participant.card-fraud.data.idx.labels: required",
            "participant.card-fraud.data.idx.first: expected a whole number from 0 to 2147483647, got '-1'");
  }

  @Test
  void configCheckSummarisesRoundsAndParticipation() throws Exception {
    Path file = Files.writeString(dir.resolve("node.yaml"), MEMBERS + ROUNDS + PARTICIPANT);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(FedmeshMain.run(new String[] {"config", "check", file.toString()}, new PrintWriter(out, true),
        new PrintWriter(err, true))).as(err.toString()).isZero();
    assertThat(out.toString()).contains(
        "  rounds          card-fraud: mlp [16] relu, input [12], 2 classes, coordinator bbbbbbbbbbbb, fedavg (sgd lr 0.05, "
            + "1 epoch(s), batch 32), 2-100 participants, clip 1.0, weights capped at 10000, no DP",
        "  participant     card-fraud: synthetic card fraud, institution 1 of 4, 2000 rows, seed 1, 0.2 held out (seed 1); "
            + "policy: malicious-server mode, cohort >= 3, threshold >= 2, coordinators as in rounds, stops after 5 aborts in a row; "
            + "privacy cap none");

    Files.writeString(file, MEMBERS + ROUNDS + "      clip_norm: 0\n");
    assertThat(FedmeshMain.run(new String[] {"config", "check", file.toString()}, new PrintWriter(out, true),
        new PrintWriter(err, true))).isEqualTo(1);
    assertThat(err.toString()).contains("federations.card-fraud.rounds.clip_norm: expected a positive number, got '0'");
  }

  @Test
  void aTorchScriptModelIsNamedByItsHashAndItsFilesAreRelativeToTheConfigAndTheSpec() throws Exception {
    // The config only hashes the file (libtorch loads it when the node builds the model), so any bytes do here.
    byte[] bytes = "stand-in for a TorchScript file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    Files.createDirectories(dir.resolve("models"));
    Files.write(dir.resolve("models/fraud.pt"), bytes);
    Files.writeString(dir.resolve("models/fraud.json"),
        "{\"type\": \"torchscript\", \"file\": \"fraud.pt\", \"sha256\": \"" + sha + "\"}");

    ModelSpec viaJson = load(MEMBERS + ROUNDS.replace("mlp:16", "models/fraud.json")).rounds("card-fraud").orElseThrow().model();
    ModelSpec shortForm = load(MEMBERS + ROUNDS.replace("mlp:16", "\"torchscript:models/fraud.pt#" + sha + "\"")).rounds("card-fraud")
        .orElseThrow().model();
    assertThat(viaJson.describe()).isEqualTo("torchscript sha256=" + sha).isEqualTo(shortForm.describe());
    assertThat(viaJson.torchScript().file()).isEqualTo(dir.toAbsolutePath().resolve("models/fraud.json").getParent().resolve("fraud.pt"));
    assertThat(shortForm.torchScript().file()).isEqualTo(dir.toAbsolutePath().resolve("models/fraud.pt"));
  }

  @Test
  void aTorchScriptFileWithAnotherHashIsAConfigError() throws Exception {
    Files.writeString(dir.resolve("fraud.pt"), "not the federation's model");
    String actual = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(dir.resolve("fraud.pt"))));
    String expected = "ab".repeat(32);
    Files.writeString(dir.resolve("fraud.json"),
        "{\"type\": \"torchscript\", \"file\": \"fraud.pt\", \"sha256\": \"" + expected + "\"}");

    assertThat(problems(ROUNDS.replace("mlp:16", "fraud.json"), "")).containsExactly(
        "federations.card-fraud.rounds.model: model spec " + dir.toAbsolutePath().resolve("fraud.json") + ": torchscript file "
            + dir.toAbsolutePath().resolve("fraud.pt") + " has SHA-256 " + actual + ", expected " + expected
            + ": it is not the federation's model");
    assertThat(problems(ROUNDS.replace("mlp:16", "\"torchscript:missing.pt#" + expected + "\""), "")).singleElement()
        .asString().startsWith("federations.card-fraud.rounds.model: torchscript file " + dir.toAbsolutePath().resolve("missing.pt")
            + ": cannot read it");
  }

  @Test
  void anUnreadableModelSpecFileIsNamedRelativeToTheConfig() {
    assertThatThrownBy(() -> load(MEMBERS + ROUNDS.replace("mlp:16", "models/fraud.json")))
        .isInstanceOf(NodeConfig.InvalidConfigException.class)
        .hasMessageContaining("federations.card-fraud.rounds.model: model spec " + dir.toAbsolutePath().resolve("models/fraud.json"));
  }
}
