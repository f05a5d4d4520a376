package io.fedmesh.bench.cli;

import io.fedmesh.bench.ledger.ElectionBench;
import io.fedmesh.node.cli.FedmeshVersion;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench election}: how long a federation's ledger goes without a coordinator when its leader dies. */
@Command(name = "election", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Measures leader-election (failover) time of a federation ledger (docs/ledger.md) with real "
        + "processes: three coordinator-eligible nodes, each its own node process on 127.0.0.1 with mutual TLS and fixed "
        + "gRPC and Raft ports, host federation 'bench-ledger' (created over gRPC from this JVM as 'fedmesh federation "
        + "create' does). Then --kills times: the announced leader is killed with SIGKILL, and the failover time runs until "
        + "a survivor's ledger head shows another node announced as coordinator in a higher term (elected, its announcement "
        + "committed); the killed node is restarted from its config and data directory, and the next kill waits until its "
        + "chain head equals the leader's (the catch-up time). Prints each kill, and failover min / median / max. "
        + "Target: median under 2 s with tuned Ratis timeouts, never above 5 s. Every node process is stopped at the end, "
        + "on failure and on Ctrl-C.", ""})
public final class ElectionBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--kills", paramLabel = "N", description = "Leaders to kill, 1 to 1000; measure at least 10 "
      + "(default: ${DEFAULT-VALUE}).")
  int kills = 10;

  @Option(names = "--election-min-ms", paramLabel = "MS", description = "raft.election_timeout_ms.min of every node, "
      + "50 to 60000 (default: ${DEFAULT-VALUE}).")
  long electionMin = 500;

  @Option(names = "--election-max-ms", paramLabel = "MS", description = "raft.election_timeout_ms.max, from the minimum "
      + "to 120000 (default: ${DEFAULT-VALUE}).")
  long electionMax = 1000;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (kills < 1 || kills > 1000) {
      throw new ParameterException(spec.commandLine(), "--kills must be in [1, 1000], got " + kills);
    }
    if (electionMin < 50 || electionMin > 60_000) {
      throw new ParameterException(spec.commandLine(), "--election-min-ms must be in [50, 60000], got " + electionMin);
    }
    if (electionMax < electionMin || electionMax > 120_000) {
      throw new ParameterException(spec.commandLine(), "--election-max-ms must be in [--election-min-ms, 120000], got "
          + electionMax);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress = json ? spec.commandLine().getErr() : out;
    ElectionBench.Report report = ElectionBench.run(new ElectionBench.Options(kills, electionMin, electionMax), progress);
    out.println(json ? report.json() : "\n" + report.table());
    out.flush();
    return 0;
  }
}
