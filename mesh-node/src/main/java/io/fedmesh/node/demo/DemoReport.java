package io.fedmesh.node.demo;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.eval.Metrics;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.participant.LocalData;
import io.fedmesh.node.simulate.AccuracyChart;
import io.fedmesh.node.storage.AtomicFiles;
import io.fedmesh.proto.v1.FinishedRound;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What the demo leaves and prints: each round's outcome and federated evaluation, beside a
 * centralised baseline (the same model trained on every participant's training rows pooled, one pass
 * per round, as the federation makes, and scored on the pooled held-out rows).
 */
final class DemoReport {
  private final DemoFederation federation;
  private final List<FinishedRound> rounds;
  private final List<NodeProcesses.Started> nodes;
  private final double seconds;
  private final List<Metrics> baseline = new ArrayList<>();

  DemoReport(DemoFederation federation, List<FinishedRound> rounds, List<NodeProcesses.Started> nodes, double seconds) {
    this.federation = federation;
    this.rounds = List.copyOf(rounds);
    this.nodes = List.copyOf(nodes);
    this.seconds = seconds;
  }

  /** Trains the centralised baseline in this process for {@code passes} passes over the pooled data. */
  void baseline(int passes) throws Exception {
    List<Dataset> train = new ArrayList<>();
    List<Dataset> held = new ArrayList<>();
    FederationSettings settings = null;
    for (DemoNetwork.Node n : federation.network().nodes.subList(1, federation.network().nodes.size())) {
      NodeConfig c = NodeConfig.load(n.config());
      settings = c.rounds(DemoCommand.FEDERATION).orElseThrow();
      LocalData data = LocalData.load(c.participant().get(DemoCommand.FEDERATION)).fitTo(settings);
      train.add(data.train());
      held.add(data.holdout());
    }
    Dataset pooled = Dataset.concat(train);
    Dataset test = Dataset.concat(held);
    Random random = new Random(1);
    try (LocalModel model = new LocalModel(settings.model(), settings.inputShape(), settings.classes(), settings.initSeed())) {
      for (int pass = 0; pass < passes; pass++) {
        model.train(pooled, settings.training().withProximalMu(0), null, random);
        baseline.add(model.evaluate(test));
      }
    }
  }

  private boolean binary() {
    return federation.dataset().equals("synthetic");
  }

  void write(Path dir) throws IOException {
    // Under DP only the models are private: the counts and the participants' evaluation of their raw
    // held-out rows, and the pooled baseline, are not; their columns say so.
    String np = federation.dp() ? "_nonprivate" : "";
    StringBuilder csv = new StringBuilder("round,outcome,contributors" + np + ",duration_s,loss" + np + ",accuracy" + np + ",auc" + np
        + ",baseline_accuracy" + np + ",baseline_auc" + np + ",personalised_accuracy" + np + ",personalised_auc" + np
        + ",reason\n");
    List<Double> federated = new ArrayList<>();
    List<Double> central = new ArrayList<>();
    for (int i = 0; i < rounds.size(); i++) {
      FinishedRound r = rounds.get(i);
      Metrics b = i < baseline.size() ? baseline.get(i) : null;
      csv.append(String.format(Locale.ROOT, "%d,%s,%d,%.3f,%s,%s,%s,%s,%s,%s,%s,\"%s\"%n", r.getRound(), r.getOutcome(),
          r.getContributors(), r.getDurationMillis() / 1000.0, num(r.getLoss()), num(r.getAccuracy()), num(r.getAuc()),
          b == null ? "" : num(b.accuracy()), b == null ? "" : num(b.auc()),
          r.getHasPersonalised() ? num(r.getPersonalisedAccuracy()) : "", r.getHasPersonalised() ? num(r.getPersonalisedAuc()) : "",
          r.getReason().replace('"', '\'')));
      federated.add(binary() ? r.getAuc() : r.getAccuracy());
      if (b != null) {
        central.add(binary() ? b.auc() : b.accuracy());
      }
    }
    AtomicFiles.writeString(dir.resolve("metrics.csv"), csv.toString());
    AtomicFiles.writeString(dir.resolve("summary.json"), json());
    AtomicFiles.write(dir.resolve("accuracy.png"), AccuracyChart.png("fedmesh demo: " + federation.dataset() + ", "
        + nodes.size() + " node processes", binary() ? "held-out ROC AUC" : "held-out accuracy", federated, central));
  }

  private String json() {
    FinishedRound last = rounds.get(rounds.size() - 1);
    Metrics b = baseline.isEmpty() ? null : baseline.get(baseline.size() - 1);
    StringBuilder endpoints = new StringBuilder("[");
    for (NodeProcesses.Started s : nodes) {
      endpoints.append(endpoints.length() > 1 ? ", " : "").append("{\"node\": \"").append(s.name())
          .append("\", \"metrics\": \"http://127.0.0.1:").append(s.metricsPort()).append("/metrics\"}");
    }
    return String.format(Locale.ROOT, "{\n  \"description\": \"%s\",\n  \"rounds\": %d,\n  \"committed\": %d,\n"
        + "  \"final\": {\"round\": %d, \"outcome\": \"%s\", \"contributors\": %d, \"loss\": %s, \"accuracy\": %s, \"auc\": %s},\n"
        + "  \"baseline\": %s,\n  \"secure_aggregation\": \"SecAgg+, malicious-server mode\",\n  \"nodes\": %s,\n"
        + "  \"dp\": %s,\n  \"seconds\": %.1f\n}\n", federation.description(), rounds.size(),
        rounds.stream().filter(r -> r.getOutcome().equals("committed")).count(), last.getRound(), last.getOutcome(),
        last.getContributors(), jnum(last.getLoss()), jnum(last.getAccuracy()), jnum(last.getAuc()),
        b == null ? "null" : String.format(Locale.ROOT, "{\"loss\": %s, \"accuracy\": %s, \"auc\": %s}", jnum(b.loss()),
            jnum(b.accuracy()), jnum(b.auc())), endpoints.append(']'), federation.dp() ? String.format(Locale.ROOT,
            "{\"noise_multiplier\": %s, \"mode\": \"%s\", \"non_private\": [\"contributors\", \"loss\", \"accuracy\", \"auc\", "
                + "\"baseline\"]}", federation.dpNoise(), federation.dpMode()) : "null", seconds);
  }

  void print(PrintWriter out) {
    FinishedRound last = rounds.get(rounds.size() - 1);
    Metrics b = baseline.isEmpty() ? null : baseline.get(baseline.size() - 1);
    out.println(String.format(Locale.ROOT, "final model (round %d, %s): held-out loss %.4f, accuracy %.4f%s"
        + (federation.dp() ? " (participants' own evaluation: non-private)" : ""), last.getRound(),
        last.getOutcome(), last.getLoss(), last.getAccuracy(),
        Double.isNaN(last.getAuc()) ? "" : String.format(Locale.ROOT, ", AUC %.4f", last.getAuc())));
    if (last.getHasPersonalised()) {
      out.println(String.format(Locale.ROOT, "personalised models (each participant's own, same held-out rows%s): accuracy "
          + "%.4f%s", federation.dp() ? ", non-private" : "", last.getPersonalisedAccuracy(),
          Double.isNaN(last.getPersonalisedAuc()) ? "" : String.format(Locale.ROOT, ", AUC %.4f", last.getPersonalisedAuc())));
    }
    if (b != null) {
      out.println(String.format(Locale.ROOT, "centralised baseline (pooled data, same passes" + (federation.dp() ? ", non-private"
          : "") + "): loss %.4f, accuracy %.4f%s",
          b.loss(), b.accuracy(), Double.isNaN(b.auc()) ? "" : String.format(Locale.ROOT, ", AUC %.4f", b.auc())));
    }
    out.println(String.format(Locale.ROOT, "%.1f s; report in %s (summary.json, metrics.csv, accuracy.png)", seconds, federation.network().root.toAbsolutePath()));
    out.flush();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
  }

  private static String jnum(double v) {
    return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.6f", v);
  }
}
