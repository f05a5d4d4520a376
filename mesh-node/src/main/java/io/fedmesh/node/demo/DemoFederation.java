package io.fedmesh.node.demo;

import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo federation's configuration: one federation, "demo", whose members are the demo's nodes
 * (the coordinator coordinator-eligible and admin, the others participants), its rounds section, and
 * each participant's data: one synthetic card-fraud institution each, or a slice of Fashion-MNIST.
 * The last participant is behind a firewall and attaches through the coordinator.
 */
record DemoFederation(DemoNetwork network, String dataset, Path fashionDir, String description, String dpMode, double dpNoise,
    String algorithmYaml) {
  private static final String COMMON = "data_dir: data\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n"
      + "gossip: {probe_interval_ms: 300, probe_timeout_ms: 150}\n";
  /** Rows per participant: synthetic transactions, or Fashion-MNIST images. */
  static final int SYNTHETIC_ROWS = 2000;
  static final int IMAGES = 3000;

  /**
   * @param dpNoise client-level DP noise multiplier, 0 for none; {@code dpMode} central or distributed
   * @param algorithmYaml the rounds section's strategy lines (strategy, server_lr, personalisation, ...)
   */
  static DemoFederation write(Path out, int nodes, String dataset, Path fashionDir, String dpMode, double dpNoise,
      String algorithmYaml) throws IOException {
    clear(out);
    List<String> names = new ArrayList<>();
    names.add("coordinator");
    for (int i = 1; i < nodes; i++) {
      names.add("participant-" + i);
    }
    DemoNetwork network = DemoNetwork.create(out, names);
    String description = nodes + " nodes (a coordinator and " + (nodes - 1) + " participants, one behind a firewall), "
        + (dataset.equals("synthetic") ? "synthetic card fraud, one institution of " + SYNTHETIC_ROWS + " transactions per participant"
            : "Fashion-MNIST, " + IMAGES + " training images per participant")
        + ", 20% of each held out for evaluation"
        + (dpNoise > 0 ? String.format(java.util.Locale.ROOT, ", client-level DP (noise multiplier %s, %s noise)", dpNoise,
            dpMode.equals("distributed") ? "distributed: each participant adds its share inside SecAgg+" : "central: the coordinator adds it")
            : "");
    DemoFederation f = new DemoFederation(network, dataset, fashionDir, description, dpMode, dpNoise, algorithmYaml);
    AtomicFiles.writeString(network.nodes.get(0).config(), COMMON + f.federationYaml());
    return f;
  }

  /** Writes the participants' configs, now that the coordinator's port (their seed and relay) is known. */
  void seedParticipants(int coordinatorPort) throws IOException {
    String seeds = "seeds: [" + network.nodes.get(0).id().hex() + "@127.0.0.1:" + coordinatorPort + "]\n";
    int participants = network.nodes.size() - 1;
    for (int i = 1; i <= participants; i++) {
      String reach = i == participants ? "reachable: false\n" : "";
      AtomicFiles.writeString(network.nodes.get(i).config(), COMMON + seeds + reach + federationYaml() + participantYaml(i, participants));
    }
  }

  private String federationYaml() {
    StringBuilder y = new StringBuilder("federations:\n  " + DemoCommand.FEDERATION + ":\n    members:\n");
    for (int i = 0; i < network.nodes.size(); i++) {
      y.append("      ").append(network.nodes.get(i).id().hex()).append(i == 0 ? ": [coordinator-eligible, admin]\n" : ": [participant]\n");
    }
    boolean synthetic = dataset.equals("synthetic");
    y.append("    rounds:\n")
        .append("      coordinator: ").append(network.nodes.get(0).id().hex()).append('\n')
        .append(synthetic ? "      model: mlp:32\n      input_shape: [12]\n      classes: 2\n"
            : "      model: mlp:128\n      input_shape: [1, 28, 28]\n      classes: 10\n")
        .append(algorithmYaml.contains("training:") ? ""
            : "      training: {optimizer: sgd, learning_rate: 0.1, epochs: 1, batch_size: 64}\n")
        .append(algorithmYaml)
        .append("      participants: {min: 3, max: 100}\n")
        .append("      deadlines_ms: {train: 60000, phase: 20000, evaluation: 20000}\n")
        // An image model's updates exceed norm 1 (clipping at 1 costs accuracy, docs/ml.md): clip at 10 there.
        .append("      weight_cap: 10000\n      clip_norm: ").append(synthetic ? "1.0" : "10.0").append('\n');
    if (dp()) {
      y.append("      unit_weights: true\n      dp: {noise_multiplier: ").append(dpNoise).append(", mode: ").append(dpMode)
          .append("}\n");
    }
    return y.toString();
  }

  private String participantYaml(int i, int participants) {
    String data = dataset.equals("synthetic")
        ? "{synthetic: {institution: " + (i - 1) + ", institutions: " + participants + ", rows: " + SYNTHETIC_ROWS + ", seed: 7}}"
        : "{idx: {images: " + fashionDir.resolve("train-images-idx3-ubyte.gz") + ", labels: " + fashionDir.resolve("train-labels-idx1-ubyte.gz")
            + ", first: " + (i - 1) * IMAGES + ", count: " + IMAGES + "}}";
    return "participant:\n  " + DemoCommand.FEDERATION + ":\n    data: " + data + "\n    holdout: 0.2\n";
  }

  /** Whether the federation adds client-level DP noise. */
  boolean dp() {
    return dpNoise > 0;
  }

  /** Empties {@code out} if it holds an earlier demo; refuses a directory that holds anything else. */
  private static void clear(Path out) throws IOException {
    if (!Files.exists(out)) {
      return;
    }
    try (Stream<Path> entries = Files.list(out)) {
      List<String> names = entries.map(p -> p.getFileName().toString()).toList();
      if (!names.isEmpty() && !names.contains("ca.crt")) {
        throw new IOException("--out " + out + " exists and does not hold an earlier demo: choose another directory");
      }
    }
    try (Stream<Path> all = Files.walk(out)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
