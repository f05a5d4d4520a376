package io.fedmesh.node.server;

import io.fedmesh.node.cli.FedmeshVersion;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh health}: asks a node's standard health service, as this node (its key and certificate). */
@Command(name = "health", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {"Asks the node at --target for its health (the standard gRPC health service), over mutual TLS "
        + "with the identity in --config. Prints SERVING and exits 0, or the status or error and exits 1.", ""})
public final class HealthCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The asking node's config (for its identity).")
  Path config;

  @Option(names = "--target", required = true, paramLabel = "HOST:PORT", description = "The node to ask.")
  String target;

  @Option(names = "--service", paramLabel = "NAME", description = "A service name, or empty for the whole node (default).")
  String service = "";

  @Override
  public Integer call() throws Exception {
    HealthCheckResponse response = PeerCall.run(spec, config, target, channel -> HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.newBuilder().setService(service).build()));
    spec.commandLine().getOut().println(response.getStatus());
    return response.getStatus() == HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
  }
}
