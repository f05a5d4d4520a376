package io.fedmesh.coordinator.privacy;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.RoundPlan;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A participant's own privacy ledger: per federation, the RDP (at {@code RdpAccountant.DEFAULT_ORDERS})
 * that the rounds it accepted under distributed DP or DP-SGD spent on its data, and one entry per charge.
 * A round is charged when the participant accepts it, before it trains: from then on an update derived
 * from its data may leave, and a charge made later could be lost in a crash. The charge is saved through
 * {@link Store} before the participant answers, so a crash after accepting never forgets it.
 *
 * <p>Thread-safe: rounds of different federations may charge concurrently; charges are applied one at
 * a time (check, save, then swap in memory), so none is lost and a failed save changes nothing.
 */
public final class ParticipantLedger {
  /** The delta spends are reported at in a federation without a cap (and entries' epsilon then). */
  public static final double DEFAULT_DELTA = 1e-5;

  /**
   * One charge.
   *
   * @param round the round charged
   * @param coordinator the short form of the coordinator that sent the invitation
   * @param mechanism what was charged
   * @param epsilon this charge alone at {@code delta} (the per-order total is what counts; this is for people)
   * @param delta the cap's delta when charged, or {@link #DEFAULT_DELTA}
   * @param timeMillis when it was charged (Unix milliseconds)
   */
  public record Entry(long round, String coordinator, Mechanism mechanism, double epsilon, double delta, long timeMillis) {}

  /** A federation's spend: the per-order total, and its entries oldest first. */
  public record FederationSpend(RdpBudget total, List<Entry> entries) {
    public static final FederationSpend NONE = new FederationSpend(RdpBudget.zero(), List.of());

    public FederationSpend {
      entries = List.copyOf(entries);
    }
  }

  /** Where the ledger is kept (the node: a file written atomically). */
  @FunctionalInterface
  public interface Store {
    /** Saves every federation's spend durably, or throws and leaves the saved state as it was. */
    void save(Map<String, FederationSpend> spends) throws IOException;
  }

  /** Who hears of charges and privacy declines (the node's metrics); called under the ledger's lock, so quick. */
  public interface Observer {
    Observer NONE = new Observer() {};

    /** {@code federation} now has {@code spend}; {@code cap} may be null. */
    default void charged(String federation, FederationSpend spend, PrivacyCap cap) {}

    /** A round of {@code federation} was declined on privacy grounds: {@code kind} is a short label. */
    default void declined(String federation, String kind) {}
  }

  private final Store store;
  private final Clock clock;
  private final Observer observer;
  private Map<String, FederationSpend> spends;

  /** @param loaded what the store held at start (empty for a new node) */
  public ParticipantLedger(Map<String, FederationSpend> loaded, Store store, Clock clock, Observer observer) {
    this.spends = Map.copyOf(loaded);
    this.store = store;
    this.clock = clock;
    this.observer = observer;
  }

  /**
   * Charges {@code plan}'s round to {@code federation} if it keeps this participant within {@code cap},
   * saving the charge before returning; a round without participant-side DP costs nothing and is not
   * recorded.
   *
   * @param localExamples this participant's training examples in the federation (DP-SGD's q and steps)
   * @param cap null: no cap (the charge is still recorded)
   * @return empty if charged (the participant may accept), else the decline's one-line reason
   */
  public Optional<String> chargeBeforeAccepting(String federation, long round, NodeId coordinator, RoundPlan plan,
      long localExamples, DdgAccounting ddg, PrivacyCap cap) {
    RoundCharge charge;
    try {
      charge = RoundCharge.of(plan, localExamples, ddg); // outside the lock: an accountant may take milliseconds
    } catch (RoundCharge.Unaccountable e) {
      observer.declined(federation, e.kind());
      return Optional.of(e.getMessage());
    }
    if (charge.parts().isEmpty()) {
      return Optional.empty();
    }
    synchronized (this) {
      FederationSpend before = spends.getOrDefault(federation, FederationSpend.NONE);
      Optional<String> refusal = SpendCheck.check(federation, before.total(), charge.total(), cap);
      if (refusal.isPresent()) {
        observer.declined(federation, "privacy_cap");
        return refusal;
      }
      double delta = cap == null ? DEFAULT_DELTA : cap.delta();
      List<Entry> entries = new ArrayList<>(before.entries());
      long now = clock.millis();
      for (RoundCharge.Part part : charge.parts()) {
        entries.add(new Entry(round, coordinator.shortForm(), part.mechanism(), part.rdp().epsilon(delta).epsilon(), delta, now));
      }
      FederationSpend after = new FederationSpend(before.total().plus(charge.total()), entries);
      Map<String, FederationSpend> next = new TreeMap<>(spends);
      next.put(federation, after);
      try {
        store.save(next);
      } catch (IOException | RuntimeException e) {
        observer.declined(federation, "ledger_not_saved");
        return Optional.of("this participant's privacy ledger could not be saved (" + e.getMessage() + "); declining");
      }
      spends = Map.copyOf(next);
      observer.charged(federation, after, cap);
      return Optional.empty();
    }
  }

  /** What {@code federation} has spent ({@link FederationSpend#NONE} if nothing). */
  public synchronized FederationSpend spent(String federation) {
    return spends.getOrDefault(federation, FederationSpend.NONE);
  }

  /** Every federation's spend. */
  public synchronized Map<String, FederationSpend> all() {
    return spends;
  }
}
