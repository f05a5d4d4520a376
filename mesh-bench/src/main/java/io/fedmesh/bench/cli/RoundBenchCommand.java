package io.fedmesh.bench.cli;

import io.fedmesh.bench.round.RoundBench;
import io.fedmesh.node.cli.FedmeshVersion;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench round}: secure rounds without training, over the wire against the same rounds in one JVM. */
@Command(name = "round", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Runs whole federated rounds (invitation, model fetch, SecAgg+ in malicious-server mode, new model, "
        + "federated evaluation) with synthetic updates in place of training, three ways in one run: P participants "
        + "in this JVM (InProcessRounds: the baseline), the same over the wire (a coordinator and P participants, each its "
        + "own node process on 127.0.0.1 with mutual TLS, rounds started through the coordinator's Admin service), and "
        + "--jvm-participants in this JVM. Each runs a warm-up round, then --rounds measured ones. Prints the median wall "
        + "per round and the wire's ratio to the baseline (target <= 1.5x), where a wire round goes (the coordinator's "
        + "phase durations), and the bytes each participant sent and received per round against the m x 4-byte floor. "
        + "Every node process is stopped at the end, on failure and on Ctrl-C.", ""})
public final class RoundBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--participants", paramLabel = "P", description = "Participants, 3 to 30 (default: ${DEFAULT-VALUE}).")
  int participants = 10;

  @Option(names = "--dim", paramLabel = "M", description = "Approximate model size m: the model is mlp:W on [1000] with 2 "
      + "classes, m = 1003 W + 2, W chosen nearest (default: ${DEFAULT-VALUE}, so W = 997, m = 999,993).")
  int dim = 1_000_000;

  @Option(names = "--rounds", paramLabel = "R", description = "Measured rounds of each part, 1 to 100 (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(names = "--jvm-participants", paramLabel = "N", description = "Participants of the last part, in this JVM, "
      + "3 to 100 (default: ${DEFAULT-VALUE}).")
  int jvmParticipants = 50;

  @Option(names = "--skip-wire", description = "Leave out the node processes (only the parts in this JVM).")
  boolean skipWire;

  @Option(names = "--skip-jvm50", description = "Leave out the --jvm-participants part.")
  boolean skipJvm;

  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (participants < 3 || participants > 30) {
      throw new ParameterException(spec.commandLine(), "--participants must be in [3, 30], got " + participants);
    }
    if (dim < 1005 || dim > 100_000_000) {
      throw new ParameterException(spec.commandLine(), "--dim must be in [1005, 100000000], got " + dim);
    }
    if (rounds < 1 || rounds > 100) {
      throw new ParameterException(spec.commandLine(), "--rounds must be in [1, 100], got " + rounds);
    }
    if (jvmParticipants < 3 || jvmParticipants > 100) {
      throw new ParameterException(spec.commandLine(), "--jvm-participants must be in [3, 100], got " + jvmParticipants);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress = json ? spec.commandLine().getErr() : out;
    RoundBench.Report report = RoundBench.run(new RoundBench.Options(participants, dim, rounds, !skipWire,
        skipJvm ? 0 : jvmParticipants), progress);
    out.println(json ? report.json() : "\n" + report.table());
    out.flush();
    return 0;
  }
}
