package io.fedmesh.bench.round;

import io.fedmesh.bench.Median;
import io.fedmesh.coordinator.federation.FederationSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code fedmesh bench round}: secure rounds without training (docs/protocol.md section 8), the same
 * federation settings, m and synthetic updates in each part of one run: {@code participants} in one
 * JVM ({@code InProcessRounds}, the baseline), the same over the wire (each party its own node process,
 * mutual TLS), and {@code jvmParticipants} in one JVM. Each part runs a warm-up round and then
 * {@code rounds} measured ones; medians are reported.
 */
public final class RoundBench {
  private RoundBench() {}

  /** What to run; {@code dim} is rounded to the nearest model of width W (m = 1003 W + 2). */
  public record Options(int participants, int dim, int rounds, boolean wire, int jvmParticipants) {}

  /** A part's measured rounds, in milliseconds. */
  public record Part(String label, int participants, double[] wallMillis) {
    public double median() {
      return Median.of(wallMillis);
    }
  }

  /** Everything one run measured; {@code wire} and {@code jvm} may be null (skipped). */
  public record Report(Options options, int hidden, int m, Part inProcess, Part wireRounds, WireRoundBench.Result wire,
      Part jvm) {

    /** Wire median over in-process median. */
    public double ratio() {
      return wireRounds.median() / inProcess.median();
    }

    public String table() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "secure rounds without training: m = %,d (mlp:%d on [%d], 2 classes), "
          + "%d measured round(s) after 1 warm-up; median wall per round%n", m, hidden, BenchFederation.INPUT, options.rounds()));
      out.append("| configuration                                          | median wall | rounds (s)                | vs in-process                    |\n");
      out.append("| ------------------------------------------------------ | ----------- | ------------------------- | -------------------------------- |\n");
      row(out, inProcess, "1.00 (baseline)");
      if (wireRounds != null) {
        row(out, wireRounds, String.format(Locale.ROOT, "%.2fx (target <= 1.5x: %s)", ratio(), ratio() <= 1.5 ? "met" : "NOT met"));
      }
      if (jvm != null) {
        row(out, jvm, String.format(Locale.ROOT, "%.2fx", jvm.median() / inProcess.median()));
      }
      if (wire != null) {
        out.append("\nwhere a round over the wire goes (coordinator's fedmesh_round_phase_duration_seconds, mean per round):\n  ");
        out.append(wire.phaseSeconds().entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparingInt(RoundBench::phaseOrder)))
            .map(e -> String.format(Locale.ROOT, "%s %.2f s", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
        double floor = 4.0 * m;
        out.append(String.format(Locale.ROOT, "%n%nbytes per participant per round, against the floor of m x 4 bytes = %,.0f:%n", floor));
        out.append("| what                                                              |        bytes |  / 4m |\n");
        out.append("| ----------------------------------------------------------------- | ------------ | ----- |\n");
        bytes(out, "round messages sent (fedmesh_round_bytes_total, sent)", wire.sentBytes(), floor);
        bytes(out, "sent on the wire (gRPC message bytes, envelopes and gossip too)", wire.sentGrpcBytes(), floor);
        bytes(out, "round messages received (fedmesh_round_bytes_total, received)", wire.receivedRoundBytes(), floor);
        bytes(out, "received on the wire (gRPC message bytes, the model transfer too)", wire.receivedGrpcBytes(), floor);
      }
      return out.toString();
    }

    private static void row(StringBuilder out, Part p, String vs) {
      out.append(String.format(Locale.ROOT, "| %-54s | %9.2f s | %-25s | %-32s |%n", p.label(), p.median() / 1000,
          Arrays.stream(p.wallMillis()).mapToObj(w -> String.format(Locale.ROOT, "%.2f", w / 1000)).collect(Collectors.joining(" ")),
          vs));
    }

    private static void bytes(StringBuilder out, String what, double bytes, double floor) {
      out.append(String.format(Locale.ROOT, "| %-65s | %,12.0f | %5.2f |%n", what, bytes, bytes / floor));
    }

    public String json() {
      StringBuilder j = new StringBuilder("{");
      j.append(String.format(Locale.ROOT, "\"m\": %d, \"hidden\": %d, \"rounds\": %d, \"participants\": %d", m, hidden,
          options.rounds(), options.participants()));
      j.append(", \"in_process\": ").append(part(inProcess));
      j.append(", \"wire\": ").append(wireRounds == null ? "null" : part(wireRounds));
      j.append(", \"ratio\": ").append(wireRounds == null ? "null" : String.format(Locale.ROOT, "%.4f", ratio()));
      if (wire != null) {
        j.append(", \"phase_seconds\": {").append(wire.phaseSeconds().entrySet().stream()
            .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparingInt(RoundBench::phaseOrder)))
            .map(e -> String.format(Locale.ROOT, "\"%s\": %.4f", e.getKey(), e.getValue())).collect(Collectors.joining(", ")))
            .append('}');
        j.append(String.format(Locale.ROOT, ", \"bytes_per_participant_round\": {\"floor\": %d, \"round_sent\": %.0f, "
            + "\"wire_sent\": %.0f, \"round_received\": %.0f, \"wire_received\": %.0f, \"sent_over_floor\": %.4f}", 4L * m,
            wire.sentBytes(), wire.sentGrpcBytes(), wire.receivedRoundBytes(), wire.receivedGrpcBytes(),
            wire.sentBytes() / (4.0 * m)));
      } else {
        j.append(", \"phase_seconds\": null, \"bytes_per_participant_round\": null");
      }
      j.append(", \"jvm\": ").append(jvm == null ? "null" : part(jvm));
      return j.append('}').toString();
    }

    private static String part(Part p) {
      return String.format(Locale.ROOT, "{\"participants\": %d, \"median_s\": %.4f, \"rounds_s\": [%s]}", p.participants(),
          p.median() / 1000, Arrays.stream(p.wallMillis()).mapToObj(w -> String.format(Locale.ROOT, "%.4f", w / 1000))
              .collect(Collectors.joining(", ")));
    }
  }

  private static final java.util.List<String> PHASES = java.util.List.of("inviting", "fix_graph", "share_keys", "masked_input",
      "consistency_check", "unmasking", "awaiting_unmask_release", "evaluating");

  private static int phaseOrder(String phase) {
    int i = PHASES.indexOf(phase);
    return i < 0 ? PHASES.size() : i;
  }

  /** Runs every part; progress lines (one per part) go to {@code progress}. */
  public static Report run(Options options, PrintWriter progress) throws Exception {
    int hidden = BenchFederation.hiddenFor(options.dim());
    int m = BenchFederation.parameters(hidden);
    Path dir = Files.createTempDirectory("fedmesh-bench-round");
    BenchFederation federation = new BenchFederation(dir, options.participants(), hidden);
    FederationSettings settings = federation.settings();
    int p = options.participants();
    progress.printf(Locale.ROOT, "round bench: m = %,d, %d participants, %d rounds; files in %s%n", m, p, options.rounds(), dir);
    progress.flush();
    Part inProcess = new Part(p + " participants, in one JVM (InProcessRounds)", p,
        InProcessRoundBench.run(settings, p, options.rounds(), m));
    progress.printf(Locale.ROOT, "  in one JVM: median %.2f s%n", inProcess.median() / 1000);
    progress.flush();
    WireRoundBench.Result wire = null;
    Part wireRounds = null;
    if (options.wire()) {
      wire = WireRoundBench.run(federation, options.rounds(), dir.resolve("logs"), progress);
      wireRounds = new Part(p + " participants, separate processes, mutual TLS", p, wire.durationsMillis());
      progress.printf(Locale.ROOT, "  over the wire: median %.2f s%n", wireRounds.median() / 1000);
      progress.flush();
    }
    Part jvm = null;
    if (options.jvmParticipants() > 0) {
      // The same settings: at most max(100, P) are invited, and the cohort is everyone.
      jvm = new Part(options.jvmParticipants() + " participants, in one JVM (InProcessRounds)", options.jvmParticipants(),
          InProcessRoundBench.run(settings, options.jvmParticipants(), options.rounds(), m));
      progress.printf(Locale.ROOT, "  %d in one JVM: median %.2f s%n", options.jvmParticipants(), jvm.median() / 1000);
      progress.flush();
    }
    return new Report(options, hidden, m, inProcess, wireRounds, wire, jvm);
  }
}
