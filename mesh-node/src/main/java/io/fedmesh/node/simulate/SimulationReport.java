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

/** The files a simulation leaves: metrics.csv, summary.json and accuracy.png, each written atomically. */
record SimulationReport(String data, String model, String strategy, String summation, FederationSimulation.Result result,
    PrivacyTracker privacy, double seconds) {

  static final String CSV_HEADER = "round,participants,examples,train_loss,test_loss,test_accuracy,test_precision,"
      + "test_recall,test_f1,test_auc,samples_per_s,baseline_accuracy,baseline_auc,epsilon";

  void write(Path dir) throws IOException {
    AtomicFiles.writeString(dir.resolve("metrics.csv"), csv());
    AtomicFiles.writeString(dir.resolve("summary.json"), json());
    List<Double> federated = new ArrayList<>();
    List<Double> baseline = new ArrayList<>();
    for (RoundRecord r : result.rounds()) {
      federated.add(r.test().accuracy());
      if (r.baseline() != null) {
        baseline.add(r.baseline().accuracy());
      }
    }
    AtomicFiles.write(dir.resolve("accuracy.png"), AccuracyChart.png(model + ", " + strategy, federated, baseline));
  }

  String csv() {
    StringBuilder out = new StringBuilder(CSV_HEADER).append('\n');
    for (RoundRecord r : result.rounds()) {
      Metrics t = r.test();
      out.append(String.format(Locale.ROOT, "%d,%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s%n", r.round(), r.participants(),
          r.examples(), num(r.trainLoss()), num(t.loss()), num(t.accuracy()), num(t.precision()), num(t.recall()),
          num(t.f1()), num(t.auc()), num(r.samplesPerSecond()),
          r.baseline() == null ? "" : num(r.baseline().accuracy()), r.baseline() == null ? "" : num(r.baseline().auc()),
          privacy == null ? "" : num(privacy.epsilonAfter(r.round()))));
    }
    return out.toString();
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
    field(out, "baseline", last.baseline() == null ? "null" : metrics(last.baseline()));
    field(out, "mean_samples_per_s", jsonNum(speed));
    field(out, "privacy", privacy == null ? "null" : privacy.json());
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
