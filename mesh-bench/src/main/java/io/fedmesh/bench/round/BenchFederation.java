package io.fedmesh.bench.round;

import io.fedmesh.bench.node.BenchPki;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's federation on disk: a throw-away CA, a coordinator (coordinator-eligible, admin) and
 * {@code participants} participants, and each node's YAML in {@code dir} (docs/operations.md section 4).
 * The model is {@code mlp:W} on examples of shape [1000] with 2 classes: m = 1003 W + 2 parameters
 * (1000 W + W for the hidden layer, 2 W + 2 for the output). Deadlines are generous (training 120 s,
 * each phase and the evaluation 60 s) and a round needs every participant ({@code participants.min}
 * is the cohort), so a round that lost someone aborts instead of being measured short.
 */
final class BenchFederation {
  static final String NAME = "bench";
  static final int INPUT = 1000;
  private static final String COMMON = "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n"
      + "tls: {ca: ../ca.crt, crl: ../crl.pem}\n";

  final Path dir;
  final int hidden;
  final List<String> names = new ArrayList<>();
  final List<NodeId> ids = new ArrayList<>();
  private final String federationYaml;

  /** The hidden width whose model comes closest to {@code dim} parameters (at least 1). */
  static int hiddenFor(int dim) {
    return (int) Math.max(1, Math.round((dim - 2) / (double) (INPUT + 3)));
  }

  /** Parameters of {@code mlp:hidden} on [1000] with 2 classes. */
  static int parameters(int hidden) {
    return (INPUT + 3) * hidden + 2;
  }

  BenchFederation(Path dir, int participants, int hidden) throws IOException {
    this.dir = dir;
    this.hidden = hidden;
    BenchPki pki = new BenchPki(dir);
    names.add("coordinator");
    for (int i = 1; i <= participants; i++) {
      names.add("participant-" + i);
    }
    for (String name : names) {
      ids.add(pki.node(name).verifyingKey().nodeId());
    }
    StringBuilder y = new StringBuilder("federations:\n  " + NAME + ":\n    members:\n");
    for (int i = 0; i < ids.size(); i++) {
      y.append("      ").append(ids.get(i).hex()).append(i == 0 ? ": [coordinator-eligible, admin]\n" : ": [participant]\n");
    }
    y.append("    rounds:\n")
        .append("      coordinator: ").append(ids.get(0).hex()).append('\n')
        .append("      model: mlp:").append(hidden).append('\n')
        .append("      input_shape: [").append(INPUT).append("]\n")
        .append("      classes: 2\n")
        .append("      participants: {min: ").append(participants).append(", max: ").append(Math.max(100, participants)).append("}\n")
        .append("      deadlines_ms: {train: 120000, phase: 60000, evaluation: 60000}\n")
        .append("      weight_cap: 10000\n")
        .append("      clip_norm: 1.0\n");
    federationYaml = y.toString();
    Files.writeString(config(0), "data_dir: coordinator\n" + COMMON + federationYaml);
  }

  /** Node {@code i}'s config file (0 is the coordinator). */
  Path config(int i) {
    return dir.resolve(names.get(i) + ".yaml");
  }

  /** Writes the participants' configs, now that the coordinator's port (their seed) is known. */
  void seedParticipants(int coordinatorPort) throws IOException {
    String seeds = "seeds: [" + ids.get(0).hex() + "@127.0.0.1:" + coordinatorPort + "]\n";
    int participants = names.size() - 1;
    for (int i = 1; i <= participants; i++) {
      // The data is never read: RoundBenchNode's participants do not train.
      Files.writeString(config(i), "data_dir: " + names.get(i) + "\n" + COMMON + seeds + federationYaml
          + "participant:\n  " + NAME + ":\n    data: {synthetic: {institution: " + (i - 1) + ", institutions: "
          + participants + ", rows: 100, seed: 7}}\n");
    }
  }

  /** The federation's settings as every node loads them from its config. */
  FederationSettings settings() throws IOException {
    return load(config(0)).rounds(NAME).orElseThrow();
  }

  /** A participant's policy: the participants' configs have no policy section, so the default. */
  static ParticipantPolicy policy() {
    return ParticipantPolicy.defaults();
  }

  NodeConfig load(Path file) throws IOException {
    try {
      return NodeConfig.load(file);
    } catch (NodeConfig.InvalidConfigException e) {
      throw new IOException(file + ": " + e.problems(), e);
    }
  }
}
