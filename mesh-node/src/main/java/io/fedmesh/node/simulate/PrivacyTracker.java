package io.fedmesh.node.simulate;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.privacy.RoundPrivacy;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The privacy a DP simulation has spent, round by round, composed in RDP and converted to (epsilon, delta)
 * after every round. Central noise: each round is one step of the Poisson-subsampled Gaussian (rate q,
 * noise multiplier sigma). Distributed noise: each round is the distributed discrete Gaussian's bound for
 * that round's plan (which depends on its cohort), amplified by q, as the federation's ledger charges it.
 */
final class PrivacyTracker {
  private final FederationSettings settings;
  private final double samplingRate;
  private final double noiseMultiplier;
  private final double delta;
  private RdpBudget spent = RdpBudget.zero();
  private final List<DpGuarantee> afterRound = new ArrayList<>();

  /** @param settings the simulated federation's (its noise multiplier, mode and DDG bits) */
  PrivacyTracker(FederationSettings settings, double samplingRate, double delta) {
    this.settings = settings;
    this.samplingRate = samplingRate;
    this.noiseMultiplier = settings.noiseMultiplier();
    this.delta = delta;
  }

  /**
   * Charges one round. An aborted round (too few sampled) released nothing, but charging it too keeps
   * the report simple and errs on the safe side; its distributed plan is that of the smallest cohort
   * that can run (2), whose noise shares are fewest.
   */
  void step(RoundRecord record) {
    int cohort = Math.max(2, record.invited());
    RdpBudget round = RoundPrivacy.charge(settings, cohort, record.parameters(), samplingRate)
        .orElseThrow(() -> new IllegalStateException("a DP simulation without noise"));
    spent = spent.plus(round);
    afterRound.add(spent.epsilon(delta));
  }

  /** Epsilon after the last round (0 before any). */
  double epsilon() {
    return afterRound.isEmpty() ? 0 : afterRound.get(afterRound.size() - 1).epsilon();
  }

  double epsilonAfter(int round) {
    return afterRound.get(round - 1).epsilon();
  }

  String describe() {
    DpGuarantee last = afterRound.get(afterRound.size() - 1);
    return String.format(Locale.ROOT, "privacy spent (nominal: a seeded simulation gives no privacy): epsilon %s at delta %g after %d rounds (q %g, sigma %g, %s noise, best RDP order %g)",
        last.epsilonRoundedUp(6), delta, afterRound.size(), samplingRate, noiseMultiplier,
        settings.distributedNoise() ? "distributed (DDG, " + settings.privacy().ddgBits() + " bits)" : "central", last.order());
  }

  String json() {
    DpGuarantee last = afterRound.get(afterRound.size() - 1);
    return String.format(Locale.ROOT, "{\"noise_multiplier\": %s, \"mode\": \"%s\", \"ddg_bits\": %d, \"sampling_rate\": %s, "
        + "\"delta\": %s, \"rounds\": %d, \"epsilon\": %s, \"order\": %s}", SimulationReport.jsonNum(noiseMultiplier),
        settings.distributedNoise() ? "distributed" : "central", settings.privacy().ddgBits(), SimulationReport.jsonNum(samplingRate),
        SimulationReport.jsonNum(delta), afterRound.size(), last.epsilonRoundedUp(6),
        SimulationReport.jsonNum(last.order()));
  }
}
