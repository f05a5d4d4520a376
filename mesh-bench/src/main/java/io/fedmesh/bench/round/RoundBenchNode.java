package io.fedmesh.bench.round;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.server.NodeServer;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A node process for {@code fedmesh bench round}: {@code fedmesh node --config FILE}, except that its
 * participants use {@link SyntheticWork} instead of DJL training (the coordinator still builds the
 * initial model with DJL, once). Prints the node's start line (as {@code fedmesh node} does, which
 * {@link NodeProcesses} waits for) and runs until SIGTERM.
 */
public final class RoundBenchNode {
  private RoundBenchNode() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: RoundBenchNode CONFIG");
      System.exit(2);
    }
    NodeConfig config = NodeConfig.load(Path.of(args[0]));
    NodeServer node = NodeServer.start(config, Clock.systemUTC(), (participant, federation) ->
        new SyntheticWork(federation.clipNorm(), federation.classes(), participant.federation().hashCode() * 31L
            + config.dataDir().getFileName().toString().hashCode()));
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "fedmesh-bench-node-shutdown"));
    System.out.println("node " + node.id().hex() + " listening on port " + node.port() + " (mutual TLS), metrics on port "
        + node.metricsPort() + " (/metrics)");
    System.out.flush();
    node.awaitTermination();
  }
}
