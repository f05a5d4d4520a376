package io.fedmesh.bench.cli;

import io.fedmesh.bench.node.RelayBench;
import io.fedmesh.node.cli.FedmeshVersion;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench relay}: a chunked transfer through a relay against the same transfer direct. */
@Command(name = "relay", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Starts four real nodes on loopback (mutual TLS): a relay, a sender, a reachable receiver and a receiver "
        + "behind a firewall (reachable: false, attached via the relay). Sends a payload as signed 1 MiB chunk envelopes "
        + "to each receiver, alternating, and prints each path's median throughput and their ratio (target: relayed >= 0.4x "
        + "direct).", ""})
public final class RelayBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--megabytes", paramLabel = "MB", description = "Payload size in MiB (default: ${DEFAULT-VALUE}).")
  int megabytes = 40;

  @Option(names = "--repeats", paramLabel = "N", description = "Timed transfers on each path (default: ${DEFAULT-VALUE}).")
  int repeats = 5;

  @Override
  public Integer call() throws Exception {
    if (megabytes < 1 || megabytes > 1024 || repeats < 1 || repeats > 100) {
      throw new ParameterException(spec.commandLine(), "--megabytes must be in [1, 1024] and --repeats in [1, 100]");
    }
    RelayBench.Result r = RelayBench.run(megabytes, repeats);
    spec.commandLine().getOut().printf(Locale.ROOT, "%d MiB as signed 1 MiB chunks over Connect streams, median of %d: direct "
        + "%.0f MB/s, through a relay %.0f MB/s, ratio %.2fx (target >= 0.4x: %s)%n", megabytes, repeats,
        r.directBytesPerS() / 1e6, r.relayedBytesPerS() / 1e6, r.ratio(), r.ratio() >= 0.4 ? "met" : "NOT met");
    return 0;
  }
}
