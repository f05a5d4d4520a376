package io.fedmesh.bench;

import io.fedmesh.bench.primitives.AesCtrBench;
import io.fedmesh.bench.primitives.ColdStartBench;
import io.fedmesh.bench.primitives.QuantizerBench;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Entry point of benchmarks.jar. With no arguments (or only {@code --quick} / {@code --json FILE}) it
 * runs the primitives benchmarks and prints a table of GB/s or million values/s, each with its ratio
 * to a baseline measured in the same run. Any other arguments go to JMH's own command line.
 */
public final class BenchMain {
  private static final String AES_BASELINE = AesCtrBench.class.getName() + ".sunJceCtr";
  private static final String QUANTIZE_BASELINE = QuantizerBench.class.getName() + ".floorBaseline";

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    String json = null;
    List<String> jmhArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--json" -> {
          if (++i == args.length) {
            usage("--json needs a file name");
          }
          json = args[i];
        }
        case "--help" -> usage(null);
        default -> jmhArgs.add(args[i]);
      }
    }
    if (!jmhArgs.isEmpty()) {
      if (quick || json != null) {
        usage("--quick and --json cannot be mixed with JMH arguments (use JMH's -wi, -i, -rf json -rff FILE)");
      }
      org.openjdk.jmh.Main.main(args);
      return;
    }

    // The classes carry the same defaults as annotations, so a pass-through run measures alike; set them
    // here anyway so the table always states what it ran.
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(AesCtrBench.class.getPackageName().replace(".", "\\.") + "\\.(AesCtr|MaskGenerator|Quantizer)Bench\\..*")
        .forks(1)
        .warmupIterations(quick ? 1 : 3)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 3 : 5)
        .measurementTime(TimeValue.seconds(1))
        .shouldFailOnError(true);
    if (json != null) {
      options.resultFormat(ResultFormatType.JSON).result(json);
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    System.out.println();
    System.out.printf("%s, JDK %s, %d cores, %s%n", LocalDate.now(), Runtime.version(),
        Runtime.getRuntime().availableProcessors(), quick ? "--quick (1 x 1 s warmup, 3 x 1 s)" : "3 x 1 s warmup, 5 x 1 s");
    System.out.print(table(results));

    // Cold starts keep their own settings (one shot per fresh JVM): a warm-up would measure nothing.
    ChainedOptionsBuilder coldOptions = new OptionsBuilder()
        .include(ColdStartBench.class.getName() + "\\..*")
        .forks(quick ? 3 : 5)
        .shouldFailOnError(true);
    if (json != null) {
      coldOptions.resultFormat(ResultFormatType.JSON).result(json.replaceFirst("(\\.json)?$", "-cold.json"));
    }
    Collection<RunResult> cold = new Runner(coldOptions.build()).run();
    System.out.println();
    System.out.print(coldTable(cold));
  }

  /** Whole-job times in fresh JVMs, and how many times faster than raw SunJCE each is. */
  static String coldTable(Collection<RunResult> results) {
    Map<String, Double> millis = new HashMap<>();
    for (RunResult r : results) {
      millis.put(shortName(r.getParams().getBenchmark()), r.getPrimaryResult().getScore());
    }
    Double raw = millis.get("ColdStartBench.rawSunJceCtrCold");
    StringBuilder out = new StringBuilder();
    String format = "| %-32s | %10s | %-10s | %9s | %-22s |%n";
    out.append(String.format(format, "cold JVM, first 256 MiB of mask", "time", "unit", "error", "speed vs raw SunJCE"));
    out.append(String.format(format, "-".repeat(32), "-".repeat(10), "-".repeat(10), "-".repeat(9), "-".repeat(22)));
    for (RunResult r : results) {
      String name = shortName(r.getParams().getBenchmark());
      Result<?> p = r.getPrimaryResult();
      String ratio = raw == null ? "-" : name.equals("ColdStartBench.rawSunJceCtrCold") ? "1.00 (baseline)"
          : String.format("%.2f", raw / p.getScore());
      out.append(String.format(format, name, String.format("%.1f", p.getScore()), p.getScoreUnit(),
          String.format("± %.1f", p.getScoreError()), ratio));
    }
    return out.toString();
  }

  /** A Markdown table, so it can be pasted into the README as printed. */
  static String table(Collection<RunResult> results) {
    Map<String, Double> perSecond = new HashMap<>();
    for (RunResult r : results) {
      Result<?> p = r.getPrimaryResult();
      perSecond.put(r.getParams().getBenchmark(), p.getScore() * opsPerSecond(p.getScoreUnit()));
    }
    StringBuilder out = new StringBuilder();
    String format = "| %-32s | %10s | %-10s | %9s | %-22s |%n";
    out.append(String.format(format, "benchmark", "score", "unit", "error", "vs baseline"));
    out.append(String.format(format, "-".repeat(32), "-".repeat(10), "-".repeat(10), "-".repeat(9), "-".repeat(22)));
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      boolean values = name.startsWith(QuantizerBench.class.getName() + ".");
      double divisor = values ? 1e6 : 1e9;
      String baseline = values ? QUANTIZE_BASELINE : AES_BASELINE;
      Result<?> p = r.getPrimaryResult();
      double factor = opsPerSecond(p.getScoreUnit()) / divisor;
      Double base = perSecond.get(baseline);
      String ratio = name.equals(baseline) ? "1.00 (baseline)"
          : base == null ? "-"
          : String.format("%.2f (%s)", perSecond.get(name) / base, baseline.substring(baseline.lastIndexOf('.') + 1));
      out.append(String.format(format, shortName(name), String.format("%.2f", p.getScore() * factor),
          values ? "M values/s" : "GB/s", String.format("± %.2f", p.getScoreError() * factor), ratio));
    }
    return out.toString();
  }

  /** Operations per second in one operation per the given JMH throughput unit ("ops/ns" and so on). */
  private static double opsPerSecond(String unit) {
    return switch (unit) {
      case "ops/s" -> 1;
      case "ops/ms" -> 1e3;
      case "ops/us" -> 1e6;
      case "ops/ns" -> 1e9;
      default -> throw new IllegalStateException("expected a throughput unit, got " + unit);
    };
  }

  private static String shortName(String benchmark) {
    int method = benchmark.lastIndexOf('.');
    return benchmark.substring(benchmark.lastIndexOf('.', method - 1) + 1);
  }

  private static void usage(String problem) {
    System.err.println((problem == null ? "" : problem + "\n")
        + "usage: java -jar benchmarks.jar [--quick] [--json FILE]   primitives benchmarks and a summary table\n"
        + "       java -jar benchmarks.jar JMH-ARGUMENTS...          JMH's own command line (-h for its help)");
    System.exit(problem == null ? 0 : 2);
  }
}
