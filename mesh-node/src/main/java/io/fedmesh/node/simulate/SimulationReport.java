package io.fedmesh.node.simulate;

import io.fedmesh.ml.eval.Metrics;
import io.fedmesh.coordinator.simulation.FederationSimulation;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The files a simulation leaves: metrics.csv, summary.json and accuracy.png, each written atomically.
 *
 * <p>Under DP the model and its test metrics are private outputs (post-processing of noised sums), but
 * some diagnostics are not: how many participants and examples took part in each round, the un-noised
 * training loss, and the centralised baseline trained on everyone's pooled data. Those columns are then
 * named with a {@code _nonprivate} suffix and listed under "non_private" in summary.json, or left out
 * entirely with {@code omitNonPrivate}.
 *
 * @param hyperparameters every option of the run and its value (seed included), in the order given
 */
record SimulationReport(String data, String model, String strategy, String summation, FederationSimulation.Result result,
    PrivacyTracker privacy, double seconds, java.util.Map<String, String> hyperparameters, boolean omitNonPrivate) {

  static final String CSV_HEADER = "round,participants,examples,train_loss,test_loss,test_accuracy,test_precision,"
      + "test_recall,test_f1,test_auc,samples_per_s,baseline_accuracy,baseline_auc,epsilon,"
      + "clients_global_accuracy,clients_personalised_accuracy,clients_global_auc,clients_personalised_auc";
  /**
   * Columns whose values are not differentially private (under DP they are suffixed or left out): the
   * clients_* columns are the participants' evaluation counts on their own held-out rows, which a
   * federation reports in the clear (docs/protocol.md 7.6).
   */
  static final java.util.Set<String> NON_PRIVATE = java.util.Set.of("participants", "examples", "train_loss",
      "samples_per_s", "baseline_accuracy", "baseline_auc", "clients_global_accuracy", "clients_personalised_accuracy",
      "clients_global_auc", "clients_personalised_auc");

  void write(Path dir) throws IOException {
    AtomicFiles.writeString(dir.resolve("metrics.csv"), csv());
    AtomicFiles.writeString(dir.resolve("summary.json"), json());
    List<Double> federated = new ArrayList<>();
    List<Double> baseline = new ArrayList<>();
    for (RoundRecord r : result.rounds()) {
      federated.add(r.test().accuracy());
      if (r.baseline() != null && !hideNonPrivate()) {
        baseline.add(r.baseline().accuracy());
      }
    }
    AtomicFiles.write(dir.resolve("accuracy.png"), AccuracyChart.png(model + ", " + strategy
        + (privacy != null && !baseline.isEmpty() ? " (baseline: non-private)" : ""), federated, baseline));
  }

  private boolean hideNonPrivate() {
    return privacy != null && omitNonPrivate;
  }

  /** The header under this run's privacy: the plain one without DP. */
  String header() {
    StringBuilder out = new StringBuilder();
    for (String column : CSV_HEADER.split(",")) {
      if (privacy != null && NON_PRIVATE.contains(column)) {
        if (omitNonPrivate) {
          continue;
        }
        column = column + "_nonprivate";
      }
      out.append(out.isEmpty() ? "" : ",").append(column);
    }
    return out.toString();
  }

  String csv() {
    StringBuilder out = new StringBuilder(header()).append('\n');
    String[] columns = CSV_HEADER.split(",");
    for (RoundRecord r : result.rounds()) {
      Metrics t = r.test();
      String[] values = {Integer.toString(r.round()), Long.toString(r.participants()), Long.toString(r.examples()),
          num(r.trainLoss()), num(t.loss()), num(t.accuracy()), num(t.precision()), num(t.recall()), num(t.f1()),
          num(t.auc()), num(r.samplesPerSecond()), r.baseline() == null ? "" : num(r.baseline().accuracy()),
          r.baseline() == null ? "" : num(r.baseline().auc()),
          privacy == null ? "" : io.fedmesh.ml.privacy.DpGuarantee.roundedUp(privacy.epsilonAfter(r.round()), 6),
          count(r.federatedGlobal(), false), count(r.federatedPersonalised(), false), count(r.federatedGlobal(), true),
          count(r.federatedPersonalised(), true)};
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns.length; i++) {
        if (hideNonPrivate() && NON_PRIVATE.contains(columns[i])) {
          continue;
        }
        line.append(line.isEmpty() ? "" : ",").append(values[i]);
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }

  /** Accuracy (or AUC) of summed counts; empty without them. */
  private static String count(io.fedmesh.ml.eval.EvaluationCounts c, boolean auc) {
    return c == null || c.examples() == 0 ? "" : num(auc ? c.auc() : c.accuracy());
  }

  String json() {
    RoundRecord last = result.rounds().get(result.rounds().size() - 1);
    double speed = result.rounds().stream().mapToDouble(RoundRecord::samplesPerSecond).filter(v -> !Double.isNaN(v))
        .average().orElse(Double.NaN);
    StringBuilder out = new StringBuilder("{\n");
    field(out, "data", quote(data));
    field(out, "model", quote(model));
    field(out, "strategy", quote(strategy));
    field(out, "summation", quote(summation));
    field(out, "rounds", Integer.toString(result.rounds().size()));
    field(out, "parameters", Integer.toString(result.finalModel().length));
    field(out, "final", metrics(last.test()));
    if (!hideNonPrivate()) {
      field(out, "baseline", last.baseline() == null ? "null" : metrics(last.baseline()));
      field(out, "mean_samples_per_s", jsonNum(speed));
    }
    if (last.federatedGlobal() != null && !hideNonPrivate()) {
      var g = last.federatedGlobal();
      var p = last.federatedPersonalised();
      field(out, "clients", "{\"global_accuracy\": " + jsonNum(g.accuracy()) + ", \"global_auc\": " + jsonNum(g.auc())
          + ", \"personalised_accuracy\": " + (p == null ? "null" : jsonNum(p.accuracy())) + ", \"personalised_auc\": "
          + (p == null ? "null" : jsonNum(p.auc())) + "}");
    }
    field(out, "privacy", privacy == null ? "null" : privacy.json());
    if (privacy != null) {
      field(out, "non_private", hideNonPrivate() ? "[]" : "[" + NON_PRIVATE.stream().sorted().map(c -> quote(c)).collect(
          java.util.stream.Collectors.joining(", ")) + ", " + quote("baseline") + ", " + quote("mean_samples_per_s") + "]");
    }
    StringBuilder hp = new StringBuilder("{");
    hyperparameters.forEach((k, v) -> hp.append(hp.length() == 1 ? "" : ", ").append(quote(k)).append(": ").append(quote(v)));
    field(out, "hyperparameters", hp.append('}').toString());
    field(out, "aborted_rounds", Long.toString(result.rounds().stream().filter(r -> !r.committed()).count()));
    out.append("  \"seconds\": ").append(jsonNum(seconds)).append("\n}\n");
    return out.toString();
  }

  private static String metrics(Metrics m) {
    return String.format(Locale.ROOT, "{\"examples\": %d, \"loss\": %s, \"accuracy\": %s, \"precision\": %s, \"recall\": %s, "
        + "\"f1\": %s, \"auc\": %s}", m.examples(), jsonNum(m.loss()), jsonNum(m.accuracy()), jsonNum(m.precision()),
        jsonNum(m.recall()), jsonNum(m.f1()), jsonNum(m.auc()));
  }

  private static void field(StringBuilder out, String name, String value) {
    out.append("  \"").append(name).append("\": ").append(value).append(",\n");
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
  }

  static String jsonNum(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
