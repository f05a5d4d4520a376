package io.fedmesh.node.server;

import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.config.NodeConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh node}: runs a node until it is stopped (SIGINT or SIGTERM: a clean shutdown). */
@Command(name = "node", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"Runs a node: gRPC on mutual TLS 1.3 (node service, health, reflection) and Prometheus metrics "
        + "over HTTP, as the config file says (docs/operations.md; check it first with 'fedmesh config check'). With "
        + "'reachable: false' (behind a firewall) it listens for no peers and keeps one outbound stream to a relay from "
        + "its seeds instead.", ""})
public final class NodeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's YAML config.")
  Path config;

  @Override
  public Integer call() throws Exception {
    NodeConfig loaded;
    try {
      loaded = NodeConfig.load(config);
    } catch (NodeConfig.InvalidConfigException e) {
      throw new IllegalStateException(e.getMessage() + " (see 'fedmesh config check " + config + "')");
    }
    NodeServer node = NodeServer.start(loaded, Clock.systemUTC());
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "fedmesh-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    if (loaded.reachable()) {
      out.println("node " + node.id().hex() + " listening on port " + node.port() + " (mutual TLS), metrics on port "
          + node.metricsPort() + " (/metrics)");
    } else {
      out.println("node " + node.id().hex() + " behind a firewall: no port listens for peers; it attaches through its seeds "
          + "(" + loaded.seeds().size() + "), metrics on port " + node.metricsPort() + " (/metrics)");
    }
    if (node.healthPort() > 0) {
      out.println("health (grpc.health.v1, plaintext, for probes) on port " + node.healthPort());
    }
    for (String federation : node.rounds().coordinating()) {
      out.println("coordinating the rounds of federation '" + federation + "' (start them with 'fedmesh round start')");
    }
    for (String federation : node.rounds().participating()) {
      out.println("taking part in the rounds of federation '" + federation + "'");
    }
    out.flush();
    node.awaitTermination();
    return 0;
  }
}
