package io.fedmesh.bench.cli;

import io.fedmesh.bench.secagg.SecAggBench;
import io.fedmesh.bench.secagg.SecAggBench.DropPhase;
import io.fedmesh.bench.secagg.SecAggBenchReport;
import io.fedmesh.node.cli.FedmeshVersion;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench secagg}: whole SecAgg+ rounds in one process, timed per phase against their bound. */
@Command(
    name = "secagg",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    description = {
        "Runs warm-up rounds and then one measured round of secure aggregation (SecAgg+) in this process, and "
            + "prints client and server CPU and wall time per phase next to, measured in the same run, the plaintext "
            + "baseline (quantise and add every input) and the bound (plaintext + every keystream byte at the measured "
            + "AES-CTR rate + every X25519 operation at its measured cost).",
        "",
        "Neighbours and threshold are derived from --clients, --dropout and --corrupt (failure probabilities "
            + "2^-20 for correctness, 2^-40 for privacy) unless --shares and --threshold are given; hand-given values "
            + "below what the derivation guarantees need --insecure-params.",
        "",
        "Started from ./fedmesh, benchmarks run with a fixed, pre-touched 2 GiB heap, as a production node would.",
        ""
    })
public final class SecAggBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--clients", required = true, paramLabel = "N", description = "Clients in the round (2 to 100000).")
  int clients;

  @Option(names = "--dim", required = true, paramLabel = "M", description = "Length of each client's update (1 to 268435456).")
  int dim;

  @Option(names = "--dropout", defaultValue = "0", paramLabel = "F",
      description = "Fraction of clients that drop out, in [0, 1) (default: ${DEFAULT-VALUE}).")
  double dropout;

  @Option(names = "--drop-phase", defaultValue = "before-masking", paramLabel = "PHASE", converter = DropPhaseConverter.class,
      description = "When they drop: before-masking (after sharing keys) or after-masking (after sending input). Default: ${DEFAULT-VALUE}.")
  DropPhase dropPhase;

  @Option(names = "--shares", paramLabel = "S",
      description = "Shareholders of each client's secrets, the client included (neighbours + 1); with --threshold.")
  Integer shares;

  @Option(names = "--threshold", paramLabel = "T", description = "Shares needed to rebuild a secret; with --shares.")
  Integer threshold;

  @Option(names = "--insecure-params", description = "Allow --shares/--threshold below the derived guarantees (for comparison with other systems).")
  boolean insecureParams;

  @Option(names = "--corrupt", defaultValue = "0", paramLabel = "G",
      description = "Fraction of clients that may collude with the server, in [0, 1), for derived parameters (default: ${DEFAULT-VALUE}).")
  double corrupt;

  @Option(names = "--threads", paramLabel = "P", description = "Clients served at the same time (default: the number of cores).")
  Integer threads;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the benchmark's data and dropouts (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--malicious-server", description = "Run the round in malicious-server mode: identity keys, signed advertisements, graph nonces and the survivor-list consistency check; k and t are derived (or checked) against a lying server. Compare with the same run without it.")
  boolean maliciousServer;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Override
  public Integer call() {
    check(clients >= 2 && clients <= 100_000, "--clients must be in [2, 100000], got " + clients);
    check(dim >= 1 && dim <= 1 << 28, "--dim must be in [1, 268435456], got " + dim);
    check(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
    check(corrupt >= 0 && corrupt < 1, "--corrupt must be in [0, 1), got " + corrupt);
    int parallelism = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    check(parallelism >= 1 && parallelism <= 256, "--threads must be in [1, 256], got " + parallelism);
    check(shares == null || shares >= 2, "--shares must be at least 2, got " + shares);
    SecAggBenchReport report;
    try {
      report = SecAggBench.run(new SecAggBench.Options(clients, dim, dropout, dropPhase, shares, threshold,
          insecureParams, corrupt, parallelism, seed, maliciousServer));
    } catch (IllegalArgumentException e) {
      String hint = shares != null && !insecureParams ? "; --insecure-params runs them anyway, for comparison only" : "";
      throw new ParameterException(spec.commandLine(), e.getMessage() + hint);
    }
    spec.commandLine().getOut().print(json ? report.json() + System.lineSeparator() : report.table());
    spec.commandLine().getOut().flush();
    return 0;
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  /** Accepts the documented spellings, before-masking and after-masking. */
  static final class DropPhaseConverter implements ITypeConverter<DropPhase> {
    @Override
    public DropPhase convert(String value) {
      try {
        return DropPhase.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException("expected before-masking or after-masking, got '" + value + "'");
      }
    }
  }
}
