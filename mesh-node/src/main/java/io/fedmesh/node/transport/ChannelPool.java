package io.fedmesh.node.transport;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.security.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One channel per peer address, on mutual TLS with this node's identity, shared by everything that
 * dials peers (gossip, relay streams). HTTP/2 keepalive pings find a dead peer under a long-lived
 * stream within {@link #KEEPALIVE_SECONDS} + {@link #KEEPALIVE_TIMEOUT_SECONDS} even when no packet
 * says so (a cut cable, a silent firewall); a killed process is noticed at once.
 */
public final class ChannelPool implements AutoCloseable {
  public static final long KEEPALIVE_SECONDS = 20;
  public static final long KEEPALIVE_TIMEOUT_SECONDS = 10;
  public static final long IDLE_SECONDS = 15;

  private final SslContext tls;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public ChannelPool(NodeConfig.Tls tls) throws IOException {
    try {
      this.tls = TlsContexts.client(tls.certificate().toFile(), tls.key().toFile(), tls.ca().toFile());
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot use " + tls.key() + ", " + tls.certificate() + " or " + tls.ca() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The channel to {@code address} (HOST:PORT), opened on first use.
   *
   * @throws IllegalStateException if the address is not HOST:PORT or the pool is closed
   */
  public ManagedChannel channel(String address) {
    if (closed) {
      throw new IllegalStateException("the node is stopping");
    }
    return channels.computeIfAbsent(address, this::open);
  }

  private ManagedChannel open(String address) {
    int colon = address.lastIndexOf(':');
    try {
      return NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
          .sslContext(tls)
          .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
          .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          // A channel with no call for this long drops its connection (and redials on next use): SWIM
          // talks to a few peers at a time, so a node holds a few connections, not one per member.
          .idleTimeout(IDLE_SECONDS, TimeUnit.SECONDS)
          .build();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot dial '" + address + "': " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
