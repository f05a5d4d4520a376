package io.fedmesh.bench.secagg;

import io.fedmesh.crypto.secagg.InProcessRound.Outcome;
import io.fedmesh.crypto.secagg.InProcessRound.Timing;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import java.util.List;
import java.util.Locale;

/** What one benchmarked round cost, against its plaintext baseline and its bound; as a table or JSON. */
public final class SecAggBenchReport {
  private static final List<Phase> PHASES = List.of(Phase.values()).subList(0, Phase.COMPLETED.ordinal());

  private final SecAggBench.Options options;
  private final SecAggParameters params;
  private final Timing timing;
  private final long wallNanos;
  private final Outcome outcome;
  private final WorkMeter.Work clientWork;
  private final WorkMeter.Work serverWork;
  private final SecAggBench.Costs costs;
  private final long heapPeakBytes;

  SecAggBenchReport(SecAggBench.Options options, SecAggParameters params, Timing timing, long wallNanos, Outcome outcome,
      WorkMeter.Work clientWork, WorkMeter.Work serverWork, SecAggBench.Costs costs, long heapPeakBytes) {
    this.options = options;
    this.params = params;
    this.timing = timing;
    this.wallNanos = wallNanos;
    this.outcome = outcome;
    this.clientWork = clientWork;
    this.serverWork = serverWork;
    this.costs = costs;
    this.heapPeakBytes = heapPeakBytes;
  }

  public double totalCpuS() {
    long total = 0;
    for (Phase p : PHASES) {
      total += timing.clientNanos(p) + timing.serverNanos(p);
    }
    return total / 1e9;
  }

  public double wallS() {
    return wallNanos / 1e9;
  }

  long keystreamBytes() {
    return 4 * (clientWork.maskWords() + serverWork.maskWords());
  }

  long agreements() {
    return clientWork.keyAgreements() + serverWork.keyAgreements();
  }

  long keyGenerations() {
    return clientWork.keyGenerations() + serverWork.keyGenerations();
  }

  public double boundCpuS() {
    return costs.plaintextCpuS() + keystreamBytes() / costs.aesCtrBytesPerS()
        + agreements() * costs.agreementS() + keyGenerations() * costs.keyGenerationS();
  }

  long serverVectorBytes() {
    return outcome.server().peakHeldBytes();
  }

  String status() {
    return outcome.server().result().isPresent() ? "completed"
        : outcome.server().abortReason().map(Object::toString).orElse("unfinished");
  }

  String paramsLine() {
    return String.format(Locale.ROOT, "n=%d m=%d k=%d t=%d (%s) dropout %.0f%% %s, corrupt %.0f%%, %d-bit values, %d-bit weights, %d-word chunks, %d threads"
        + (options.maliciousServer() ? ", malicious-server checks" : ""),
        params.clients(), params.vectorLength(), params.neighbours(), params.threshold(),
        options.shares() == null ? "derived" : options.insecureParams() ? "given, insecure allowed" : "given",
        options.dropout() * 100, options.dropPhase().name().toLowerCase(Locale.ROOT).replace('_', '-'),
        options.corrupt() * 100, params.config().getValueBits(), params.config().getWeightBits(), params.chunkWords(),
        options.threads());
  }

  public String table() {
    StringBuilder out = new StringBuilder();
    out.append("SecAgg+ round: ").append(paramsLine()).append('\n');
    out.append("result: ").append(status()).append("\n\n");
    String row = "%-16s %14s %14s %10s%n";
    out.append(String.format(Locale.ROOT, row, "phase", "client CPU s", "server CPU s", "wall s"));
    for (Phase p : PHASES) {
      out.append(String.format(Locale.ROOT, row, name(p), s(timing.clientNanos(p)), s(timing.serverNanos(p)), s(timing.wallNanos(p))));
    }
    long clientTotal = PHASES.stream().mapToLong(timing::clientNanos).sum();
    long serverTotal = PHASES.stream().mapToLong(timing::serverNanos).sum();
    out.append(String.format(Locale.ROOT, row, "total", s(clientTotal), s(serverTotal), s(wallNanos)));
    out.append('\n');
    out.append(String.format(Locale.ROOT, "whole-round CPU        %8.3f s (wall %.3f s)%n", totalCpuS(), wallS()));
    out.append(String.format(Locale.ROOT, "plaintext baseline     %8.3f s  (quantise and add %d inputs)%n", costs.plaintextCpuS(),
        params.clients() - (options.dropPhase() == SecAggBench.DropPhase.BEFORE_MASKING ? Math.round(options.dropout() * params.clients()) : 0)));
    out.append(String.format(Locale.ROOT, "bound                  %8.3f s  = plaintext + %.2f GB keystream at %.1f GB/s + %d X25519 agreements at %.0f us + %d key pairs at %.0f us%n",
        boundCpuS(), keystreamBytes() / 1e9, costs.aesCtrBytesPerS() / 1e9, agreements(), costs.agreementS() * 1e6,
        keyGenerations(), costs.keyGenerationS() * 1e6));
    out.append(String.format(Locale.ROOT, "CPU / bound            %8.2fx   CPU / plaintext %.2fx%n", totalCpuS() / boundCpuS(),
        totalCpuS() / costs.plaintextCpuS()));
    out.append(String.format(Locale.ROOT, "server vector memory   %8.1f MB  peak (running sum %.1f MB + chunks of uploads in progress); JVM heap peak %.0f MB (all clients and the server)%n",
        serverVectorBytes() / 1e6, 4e-6 * params.words(), heapPeakBytes / 1e6));
    return out.toString();
  }

  public String json() {
    StringBuilder phases = new StringBuilder();
    for (Phase p : PHASES) {
      if (phases.length() > 0) {
        phases.append(", ");
      }
      phases.append(String.format(Locale.ROOT, "\"%s\": {\"client_cpu_s\": %s, \"server_cpu_s\": %s, \"wall_s\": %s}",
          name(p), s(timing.clientNanos(p)), s(timing.serverNanos(p)), s(timing.wallNanos(p))));
    }
    return String.format(Locale.ROOT, "{\"result\": %s, \"total_cpu_s\": %.6f, \"wall_s\": %.6f, \"plaintext_cpu_s\": %.6f, "
            + "\"bound_cpu_s\": %.6f, \"cpu_to_bound\": %.4f, \"params\": {\"clients\": %d, \"dim\": %d, \"neighbours\": %d, "
            + "\"shares\": %d, \"threshold\": %d, \"derived\": %s, \"insecure_params\": %s, \"dropout\": %s, \"drop_phase\": \"%s\", "
            + "\"corrupt\": %s, \"value_bits\": %d, \"weight_bits\": %d, \"chunk_words\": %d, \"threads\": %d, \"malicious_server\": %s}, "
            + "\"phases\": {%s}, \"keystream_bytes\": %d, \"aes_ctr_bytes_per_s\": %.0f, \"x25519_agreements\": %d, "
            + "\"x25519_agreement_s\": %.9f, \"x25519_key_pairs\": %d, \"x25519_key_pair_s\": %.9f, "
            + "\"server_vector_bytes\": %d, \"heap_peak_bytes\": %d}",
        quote(status()), totalCpuS(), wallS(), costs.plaintextCpuS(), boundCpuS(), totalCpuS() / boundCpuS(),
        params.clients(), params.vectorLength(), params.neighbours(), params.neighbours() + 1, params.threshold(),
        options.shares() == null, options.insecureParams(), options.dropout(),
        options.dropPhase().name().toLowerCase(Locale.ROOT).replace('_', '-'), options.corrupt(),
        params.config().getValueBits(), params.config().getWeightBits(), params.chunkWords(), options.threads(),
        options.maliciousServer(), phases, keystreamBytes(), costs.aesCtrBytesPerS(), agreements(), costs.agreementS(), keyGenerations(),
        costs.keyGenerationS(), serverVectorBytes(), heapPeakBytes);
  }

  private static String name(Phase p) {
    return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String s(long nanos) {
    return String.format(Locale.ROOT, "%.4f", nanos / 1e9);
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return out.append('"').toString();
  }
}
