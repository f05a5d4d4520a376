package io.fedmesh.bench.cli;

import io.fedmesh.bench.node.TransferBench;
import io.fedmesh.node.cli.FedmeshVersion;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench transfer}: chunked transfer between two nodes, mutual TLS against plaintext. */
@Command(name = "transfer", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Sends a payload as signed 1 MiB chunk envelopes to a node on loopback, over mutual TLS 1.3 (a real "
        + "node) and over plaintext gRPC (the same receiver), alternating, and prints each one's median throughput and "
        + "their ratio. Both sign and verify every envelope, so the ratio is the cost of TLS.", ""})
public final class TransferBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--megabytes", paramLabel = "MB", description = "Payload size in MiB (default: ${DEFAULT-VALUE}).")
  int megabytes = 40;

  @Option(names = "--repeats", paramLabel = "N", description = "Timed transfers of each kind (default: ${DEFAULT-VALUE}).")
  int repeats = 5;

  @Override
  public Integer call() throws Exception {
    if (megabytes < 1 || megabytes > 1024 || repeats < 1 || repeats > 100) {
      throw new ParameterException(spec.commandLine(), "--megabytes must be in [1, 1024] and --repeats in [1, 100]");
    }
    TransferBench.Result r = TransferBench.run(megabytes, repeats);
    spec.commandLine().getOut().printf(Locale.ROOT, "%d MiB as signed 1 MiB chunks, median of %d: mutual TLS 1.3 %.0f MB/s, "
        + "plaintext %.0f MB/s, ratio %.2fx (target >= 0.7x: %s)%n", megabytes, repeats, r.tlsBytesPerS() / 1e6,
        r.plainBytesPerS() / 1e6, r.ratio(), r.ratio() >= 0.7 ? "met" : "NOT met");
    return 0;
  }
}
