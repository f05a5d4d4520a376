package io.fedmesh.bench.cli;

import io.fedmesh.node.cli.FedmeshVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench}: benchmarks that run whole protocols in this process and print a table. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    description = "Benchmarks that run whole protocols in this process and print what they cost.",
    subcommands = {SecAggBenchCommand.class, MlBenchCommand.class, DdgBenchCommand.class, DpSgdBenchCommand.class,
        TransferBenchCommand.class, MembershipBenchCommand.class, RelayBenchCommand.class, RoundBenchCommand.class,
        ElectionBenchCommand.class, AlgorithmsBenchCommand.class})
public final class BenchCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no benchmark given (try 'fedmesh bench secagg --help')");
  }
}
