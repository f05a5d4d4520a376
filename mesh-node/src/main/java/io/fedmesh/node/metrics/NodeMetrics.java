package io.fedmesh.node.metrics;

import io.fedmesh.node.security.AuthenticationFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * A node's metrics, in Prometheus conventions: the {@code fedmesh_} prefix, base units, counters
 * ending {@code _total}. Micrometer names them (dots become underscores) and adds JVM metrics.
 */
public final class NodeMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public NodeMetrics() {
    // Two of Micrometer's processor meters break Prometheus naming rules (promtool: a "_count" suffix on
    // a gauge, "ns" as a unit); process_cpu_usage and system_cpu_usage say the same in base units.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("system.cpu.count")
        || id.getName().equals("process.cpu.time")));
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    // Present from the start (at 0), so dashboards and alerts see the series before the first failure.
    for (AuthenticationFailure.Reason r : AuthenticationFailure.Reason.values()) {
      authentication(r.label());
    }
    for (String limit : LIMITS) {
      limit(limit);
    }
  }

  /** The registry, for feature packages that keep their own meters (rounds). */
  public io.micrometer.core.instrument.MeterRegistry registry() {
    return registry;
  }

  /** The per-peer limits a node enforces and counts (docs/operations.md, "Limits"). */
  public static final java.util.List<String> LIMITS = java.util.List.of("gossip_rate", "gossip_queue", "news_checks",
      "envelope_rate", "relay_rate", "replay_per_sender", "replay_forgotten", "calls_per_peer");

  /**
   * A peer went over one of its limits: a call or message of its was refused or dropped, or (for
   * {@code replay_forgotten}) the node forgot the oldest id of the heaviest sender to make room.
   */
  public void limitReached(String limit) {
    if (!LIMITS.contains(limit)) {
      throw new IllegalArgumentException("unknown limit " + limit);
    }
    limit(limit).increment();
  }

  private Counter limit(String limit) {
    return Counter.builder("fedmesh.limits.reached").description("Times a peer went over a per-peer limit, by limit")
        .tag("limit", limit).register(registry);
  }

  /** A gossip news signature or certificate check: done, or answered from the cache of earlier checks. */
  public void newsCheck(boolean cached) {
    Counter.builder("fedmesh.gossip.news.checks").description("Signature and certificate checks of gossip news, by whether cached")
        .tag("cached", Boolean.toString(cached)).register(registry).increment();
  }

  /** One finished gRPC call. */
  public void call(String method, String status) {
    Counter.builder("fedmesh.grpc.server.calls").description("gRPC calls served, by method and final status")
        .tag("method", method).tag("status", status).register(registry).increment();
  }

  public void receivedBytes(long bytes) {
    Counter.builder("fedmesh.grpc.server.received").baseUnit("bytes").description("Bytes received on gRPC streams (wire size)")
        .register(registry).increment(bytes);
  }

  public void sentBytes(long bytes) {
    Counter.builder("fedmesh.grpc.server.sent").baseUnit("bytes").description("Bytes sent on gRPC streams (wire size)")
        .register(registry).increment(bytes);
  }

  public void authenticationFailure(AuthenticationFailure.Reason reason) {
    authentication(reason.label()).increment();
  }

  public void envelopeRefused(String reason) {
    Counter.builder("fedmesh.envelopes.refused").description("Envelopes refused, by reason")
        .tag("reason", reason).register(registry).increment();
  }

  public void authorizationFailure(String reason) {
    Counter.builder("fedmesh.authorization.failures").description("Calls refused PERMISSION_DENIED, by reason")
        .tag("reason", reason).register(registry).increment();
  }

  private Counter authentication(String reason) {
    return Counter.builder("fedmesh.authentication.failures").description("Calls refused UNAUTHENTICATED, by reason")
        .tag("reason", reason).register(registry);
  }

  /** Members by SWIM state, read from {@code count} at each scrape. */
  public void members(java.util.function.ToLongFunction<io.fedmesh.proto.v1.MemberState> count) {
    for (io.fedmesh.proto.v1.MemberState state : new io.fedmesh.proto.v1.MemberState[] {io.fedmesh.proto.v1.MemberState.MEMBER_STATE_ALIVE,
        io.fedmesh.proto.v1.MemberState.MEMBER_STATE_SUSPECT, io.fedmesh.proto.v1.MemberState.MEMBER_STATE_DEAD}) {
      io.micrometer.core.instrument.Gauge.builder("fedmesh.members", () -> count.applyAsLong(state))
          .description("Mesh members this node sees, by SWIM state (itself included)")
          .tag("state", state.name().substring("MEMBER_STATE_".length()).toLowerCase(java.util.Locale.ROOT))
          .register(registry);
    }
  }

  /** Open relay streams: those peers opened to this node, and those this node opened (its uplink among them). */
  public void relayStreams(java.util.function.IntSupplier inbound, java.util.function.IntSupplier outbound) {
    io.micrometer.core.instrument.Gauge.builder("fedmesh.relay.streams", inbound::getAsInt)
        .description("Open Connect streams, by who opened them").tag("direction", "inbound").register(registry);
    io.micrometer.core.instrument.Gauge.builder("fedmesh.relay.streams", outbound::getAsInt)
        .description("Open Connect streams, by who opened them").tag("direction", "outbound").register(registry);
    relayReconnects();
    relayLinksClosedSlow();
  }

  /** This node hung up on a Connect stream that left envelopes waiting a whole stall timeout without taking one. */
  public void relayLinkClosedSlow() {
    relayLinksClosedSlow().increment();
  }

  private Counter relayLinksClosedSlow() {
    return Counter.builder("fedmesh.relay.link.closed.slow")
        .description("Connect streams hung up on because they took no envelope for a stall timeout while some waited")
        .register(registry);
  }

  /** A node behind a firewall lost (or could not open) its stream to a relay and will dial again. */
  public void relayReconnect() {
    relayReconnects().increment();
  }

  private Counter relayReconnects() {
    return Counter.builder("fedmesh.relay.reconnects").description("Times this node (behind a firewall) redialled a relay")
        .register(registry);
  }

  /** What became of an envelope on a Connect stream: delivered here, forwarded, or dropped (and why). */
  public void relayEnvelope(String outcome) {
    Counter.builder("fedmesh.relay.envelopes").description("Envelopes on Connect streams, by outcome")
        .tag("outcome", outcome).register(registry).increment();
  }

  /** A member forgotten because the revocation list in force now names its certificate. */
  public void memberEvicted() {
    membersEvicted().increment();
  }

  private Counter membersEvicted() {
    return Counter.builder("fedmesh.members.evicted").description("Members forgotten because their certificate was revoked")
        .register(registry);
  }

  /** Open calls ended because their caller's certificate was revoked while they were open. */
  public void revokedCallsClosed(int calls) {
    revokedCalls().increment(calls);
  }

  private Counter revokedCalls() {
    return Counter.builder("fedmesh.revoked.calls.closed")
        .description("Open calls (Connect streams among them) ended because their caller's certificate was revoked")
        .register(registry);
  }

  /**
   * The revocation list in force: when it is due to be replaced (unix seconds; 0 if it names no
   * date), and its freshness (0 fresh, 1 stale: past its next update, within the grace, 2 expired:
   * past the grace too, every peer refused).
   */
  public void revocationList(java.util.function.DoubleSupplier nextUpdateSeconds, java.util.function.IntSupplier freshness) {
    io.micrometer.core.instrument.Gauge.builder("fedmesh.crl.next.update", nextUpdateSeconds::getAsDouble)
        .description("When the revocation list in force is due to be replaced (unix time)").baseUnit("seconds")
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder("fedmesh.crl.freshness", freshness::getAsInt)
        .description("The revocation list in force: 0 fresh, 1 past its next update (within the grace), 2 expired (peers refused)")
        .register(registry);
    membersEvicted();
    revokedCalls();
  }

  /**
   * One call of the admin service that reached it (authorised), by method ({@code StartRounds}, ...) and
   * outcome: {@code ok}, {@code cancelled} (the client went away), or the refusal's status code in lower
   * case ({@code invalid_argument}, {@code not_found}, {@code failed_precondition}, {@code data_loss},
   * {@code internal}).
   */
  public void adminRequest(String method, String outcome) {
    Counter.builder("fedmesh.admin.requests").description("Admin service calls, by method and outcome")
        .tag("method", method).tag("outcome", outcome).register(registry).increment();
  }

  /** The round-trip time of one acknowledged SWIM probe. */
  public void probeRoundTrip(long millis) {
    io.micrometer.core.instrument.Timer.builder("fedmesh.gossip.probe.rtt")
        .description("Round-trip time of acknowledged direct SWIM probes")
        .publishPercentiles(0.5, 0.99)
        .register(registry).record(java.time.Duration.ofMillis(millis));
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
