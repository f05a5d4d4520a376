package io.fedmesh.node.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's Prometheus metrics: acts committed or refused by kind, leader changes and the current
 * term and leadership per federation, ledger and Raft-port requests refused by reason, and model pulls.
 */
public final class LedgerMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> terms = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> leading = new ConcurrentHashMap<>();

  public LedgerMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void act(String federation, String kind, boolean accepted) {
    Counter.builder("fedmesh_ledger_acts").description("Ledger acts this node submitted, by kind and outcome")
        .tags("federation", federation, "kind", kind, "outcome", accepted ? "committed" : "refused")
        .register(registry).increment();
  }

  void leaderChanged(String federation, boolean self, long term) {
    Counter.builder("fedmesh_ledger_leader_changes").description("Leader changes this node saw in a federation's Raft group")
        .tags("federation", federation).register(registry).increment();
    gauge("fedmesh_ledger_term", "The Raft term of the federation's group as this node last saw it", terms, federation).set(term);
    gauge("fedmesh_ledger_leader", "1 if this node leads the federation's Raft group (its coordinator), else 0", leading, federation)
        .set(self ? 1 : 0);
  }

  private AtomicLong gauge(String name, String help, Map<String, AtomicLong> values, String federation) {
    return values.computeIfAbsent(federation, f -> {
      AtomicLong v = new AtomicLong();
      Gauge.builder(name, v, AtomicLong::get).description(help).tags("federation", f).register(registry);
      return v;
    });
  }

  void refused(String method, String reason) {
    Counter.builder("fedmesh_ledger_requests_refused").description("Ledger service requests refused, by method and reason")
        .tags("method", method, "reason", reason).register(registry).increment();
  }

  void raftRefused(String reason) {
    Counter.builder("fedmesh_raft_requests_refused").description("Requests refused on the Raft port (not a peer of the group, administration, ...)")
        .tags("reason", reason).register(registry).increment();
  }

  void followed(String federation, String outcome) {
    Counter.builder("fedmesh_ledger_follow_polls").description("Polls of a ledger this node follows without a replica (a participant), by outcome")
        .tags("federation", federation, "outcome", outcome).register(registry).increment();
  }

  /** The federation's privacy spend and cap as its ledger holds them, read at each scrape. */
  void privacy(String federation, java.util.function.Supplier<Double> spent, java.util.function.Supplier<Double> budget) {
    Gauge.builder("fedmesh_ledger_epsilon_spent", () -> spent.get())
        .description("Epsilon the federation's committed rounds have spent, at the budget's delta (0 without a budget)")
        .tags("federation", federation).register(registry);
    Gauge.builder("fedmesh_ledger_epsilon_budget", () -> budget.get())
        .description("The federation's privacy budget, epsilon (0: no budget)").tags("federation", federation).register(registry);
  }

  void modelPulled(String federation, String outcome) {
    Counter.builder("fedmesh_ledger_model_pulls").description("Committed models pulled from another coordinator-eligible node")
        .tags("federation", federation, "outcome", outcome).register(registry).increment();
  }
}
