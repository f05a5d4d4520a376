package io.fedmesh.node.round;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round metrics (docs/operations.md, "Metrics"): rounds by outcome, round and phase durations,
 * cohort, contributors, declines and dropouts of the last round, the model version, the federated
 * evaluation, bytes of round messages by kind, and refused round messages by reason.
 */
public final class RoundMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  public RoundMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A round this node coordinated ended. */
  public void roundEnded(String federation, String outcome, Duration took) {
    Counter.builder("fedmesh.rounds").description("Rounds this node coordinated, by outcome (committed, aborted)")
        .tag("federation", federation).tag("outcome", outcome).register(registry).increment();
    Timer.builder("fedmesh.round.duration").description("Wall time of rounds this node coordinated")
        .tag("federation", federation).publishPercentileHistogram().register(registry).record(took);
  }

  /** A phase of a round this node coordinated ended after {@code took}. */
  public void phaseEnded(String federation, String phase, Duration took) {
    Timer.builder("fedmesh.round.phase.duration").description("Wall time of each round phase (coordinator's view)")
        .tag("federation", federation).tag("phase", phase).publishPercentileHistogram().register(registry).record(took);
  }

  /** This node's part in a round as a participant ended: committed, aborted, declined or left_out (committed without it). */
  public void participation(String federation, String outcome) {
    Counter.builder("fedmesh.participant.rounds").description("Rounds this node took part in (or declined), by outcome")
        .tag("federation", federation).tag("outcome", outcome).register(registry).increment();
  }

  /**
   * What this node, as a participant, has spent in {@code federation} by its own ledger: epsilon at its
   * cap's delta (1e-5 without a cap). The coordinator side's is {@code fedmesh_ledger_epsilon_spent}.
   */
  public void participantEpsilon(String federation, double epsilon) {
    gauges.computeIfAbsent(federation + "/participant_epsilon", k -> {
      AtomicLong bits = new AtomicLong(Double.doubleToLongBits(0));
      io.micrometer.core.instrument.Gauge.builder("fedmesh.participant.epsilon.spent", bits, b -> Double.longBitsToDouble(b.get()))
          .description("Epsilon this participant's own ledger has charged in the federation, at its cap's delta (1e-5 without a cap)")
          .tag("federation", federation).register(registry);
      return bits;
    }).set(Double.doubleToLongBits(epsilon));
  }

  /**
   * A round this participant declined on privacy grounds: privacy_cap, ddg_not_accounted, ddg_invalid,
   * dp_sgd_invalid, no_examples or ledger_not_saved.
   */
  public void privacyDecline(String federation, String reason) {
    Counter.builder("fedmesh.participant.privacy.declines")
        .description("Rounds this participant declined on privacy grounds (its own cap, a mechanism it cannot account), by reason")
        .tag("federation", federation).tag("reason", reason).register(registry).increment();
  }

  /** A round message refused, by reason (late, not_in_cohort, wrong_round, not_coordinator, violation_*, ...). */
  public void refused(String federation, String role, String reason) {
    Counter.builder("fedmesh.round.refusals").description("Round messages refused, by the refusing role and reason")
        .tag("federation", federation).tag("role", role).tag("reason", reason).register(registry).increment();
  }

  /** Bytes of round messages sent or received, by message kind. */
  public void bytes(String federation, String kind, String direction, long bytes) {
    Counter.builder("fedmesh.round.bytes").baseUnit("bytes").description("Bytes of round messages, by kind and direction")
        .tag("federation", federation).tag("kind", kind).tag("direction", direction).register(registry).increment(bytes);
  }

  /** Sets one of the last round's gauges (participants, contributors, declined, dropped, model_version). */
  public void last(String federation, String what, long value) {
    gauge(federation, what, "fedmesh.round." + what, "The last round's " + what.replace('_', ' ')).set(value);
  }

  /** The last federated evaluation (NaN until one is reported). */
  public void evaluation(String federation, double loss, double accuracy, double auc) {
    evaluationGauge(federation, "loss").set(Double.doubleToLongBits(loss));
    evaluationGauge(federation, "accuracy").set(Double.doubleToLongBits(accuracy));
    evaluationGauge(federation, "auc").set(Double.doubleToLongBits(auc));
  }

  private AtomicLong evaluationGauge(String federation, String what) {
    return gauges.computeIfAbsent(federation + "/evaluation/" + what, k -> {
      AtomicLong bits = new AtomicLong(Double.doubleToLongBits(Double.NaN));
      io.micrometer.core.instrument.Gauge.builder("fedmesh.evaluation." + what, bits, b -> Double.longBitsToDouble(b.get()))
          .description("Federated evaluation of the last committed model: " + what).tag("federation", federation)
          .register(registry);
      return bits;
    });
  }

  private AtomicLong gauge(String federation, String key, String name, String description) {
    return gauges.computeIfAbsent(federation + "/" + key, k -> {
      AtomicLong value = new AtomicLong();
      io.micrometer.core.instrument.Gauge.builder(name, value, AtomicLong::get).description(description)
          .tag("federation", federation).register(registry);
      return value;
    });
  }
}
