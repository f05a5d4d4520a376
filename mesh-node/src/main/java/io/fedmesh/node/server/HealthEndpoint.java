package io.fedmesh.node.server;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The node's health in plaintext on its own port ({@code health_listen}): only {@code grpc.health.v1},
 * the same statuses the mutual-TLS port serves. Kubernetes' native gRPC probes cannot present a client
 * certificate, so they cannot ask the main port; this port tells them nothing else (no service, no
 * member list, no call that changes anything), and a node behind a firewall, which has no main port,
 * can be probed too.
 */
final class HealthEndpoint implements AutoCloseable {
  private final Server server;

  private HealthEndpoint(Server server) {
    this.server = server;
  }

  static HealthEndpoint start(InetSocketAddress listen, HealthStatusManager health) throws IOException {
    Server server = NettyServerBuilder.forAddress(listen)
        .addService(health.getHealthService())
        // Probes are tiny: a larger message is not a probe.
        .maxInboundMessageSize(4096)
        .maxConcurrentCallsPerConnection(16)
        // A probe opens a connection, asks once and is done: one that sits idle is let go at once.
        .maxConnectionIdle(2, TimeUnit.SECONDS)
        // Nobody logs in here: a held Watch or a silent socket is let go, and HTTP/2 rapid reset
        // (streams opened and reset at once, CVE-2023-44487) ends the connection.
        .maxConnectionAge(5, TimeUnit.MINUTES)
        .maxConnectionAgeGrace(10, TimeUnit.SECONDS)
        .handshakeTimeout(2, TimeUnit.SECONDS)
        .maxRstFramesPerWindow(200, 10)
        .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException("health_listen " + listen.getHostString() + ":" + listen.getPort() + ": " + e.getMessage()
          + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""), e);
    }
    return new HealthEndpoint(server);
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
