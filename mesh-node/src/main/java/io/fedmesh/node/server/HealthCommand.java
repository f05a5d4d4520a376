package io.fedmesh.node.server;

import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.config.NodeConfig;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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
    NodeConfig loaded;
    try {
      loaded = NodeConfig.load(config);
    } catch (NodeConfig.InvalidConfigException e) {
      throw new IllegalStateException(e.getMessage());
    }
    ManagedChannel channel;
    try {
      channel = PeerChannels.open(loaded, target);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    try {
      HealthCheckResponse response = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build());
      spec.commandLine().getOut().println(response.getStatus());
      return response.getStatus() == HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException(target + ": " + e.getStatus().getCode()
          + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
