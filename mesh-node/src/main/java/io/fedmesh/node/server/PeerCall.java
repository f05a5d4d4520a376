package io.fedmesh.node.server;

import io.fedmesh.node.config.NodeConfig;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * One call from the command line to a peer, as the node a config file describes: the config is
 * loaded, a channel opened with that node's identity, the call made, the channel closed. Failures
 * become the CLI's one line: a bad config or refused call exits 1, a bad target exits 2.
 */
public final class PeerCall {
  private PeerCall() {}

  public static <T> T run(CommandSpec spec, Path config, String target, Function<ManagedChannel, T> call) throws Exception {
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
      return call.apply(channel);
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException(target + ": " + e.getStatus().getCode()
          + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
