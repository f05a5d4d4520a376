package io.fedmesh.bench.cli;

import io.fedmesh.bench.node.MembershipBench;
import io.fedmesh.node.cli.FedmeshVersion;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench membership}: SWIM convergence and failure detection with real nodes in one JVM. */
@Command(name = "membership", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Starts n real nodes on loopback (mutual TLS, all joining through one seed), measures how long until "
        + "every node sees every other alive, then stops one and measures how long until every other node has "
        + "declared it dead. One row per --nodes value.", ""})
public final class MembershipBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--nodes", split = ",", paramLabel = "N", description = "Mesh sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> nodes = List.of(10, 50, 100);

  @Option(names = "--probe-interval-ms", paramLabel = "MS", description = "SWIM probe interval (default: ${DEFAULT-VALUE}, "
      + "memberlist's LAN profile).")
  long probeInterval = 1000;

  @Option(names = "--limit-s", paramLabel = "S", description = "Give up on a measurement after this long (default: ${DEFAULT-VALUE}).")
  long limitSeconds = 180;

  @Override
  public Integer call() throws Exception {
    if (nodes.stream().anyMatch(n -> n < 3 || n > 500) || probeInterval < 50 || limitSeconds < 1) {
      throw new ParameterException(spec.commandLine(), "--nodes must be in [3, 500], --probe-interval-ms >= 50, --limit-s >= 1");
    }
    spec.commandLine().getOut().println("nodes  all know all (s)  all see all alive (s)  failure detected everywhere (s)   probe interval "
        + probeInterval + " ms");
    for (int n : nodes) {
      MembershipBench.Result r = MembershipBench.run(n, probeInterval, limitSeconds * 1000);
      spec.commandLine().getOut().printf(java.util.Locale.ROOT, "%5d  %16s  %21s  %31s%n", n, seconds(r.knownMillis()),
          seconds(r.convergeMillis()), seconds(r.detectMillis()));
      if (!r.unconverged().isEmpty()) {
        spec.commandLine().getOut().println("       at the limit: " + r.unconverged());
      }
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  private static String seconds(long millis) {
    return millis < 0 ? "not within limit" : String.format(java.util.Locale.ROOT, "%.1f", millis / 1000.0);
  }
}
