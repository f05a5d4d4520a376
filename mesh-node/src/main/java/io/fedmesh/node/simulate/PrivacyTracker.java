package io.fedmesh.node.simulate;

import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The privacy a DP simulation has spent, round by round: each round is one step of the
 * Poisson-subsampled Gaussian mechanism (rate q, noise multiplier sigma), composed in RDP and
 * converted to (epsilon, delta) after every round.
 */
final class PrivacyTracker {
  private final double samplingRate;
  private final double noiseMultiplier;
  private final double delta;
  private final RdpBudget perRound;
  private RdpBudget spent = RdpBudget.zero();
  private final List<DpGuarantee> afterRound = new ArrayList<>();

  PrivacyTracker(double samplingRate, double noiseMultiplier, double delta) {
    this.samplingRate = samplingRate;
    this.noiseMultiplier = noiseMultiplier;
    this.delta = delta;
    this.perRound = RdpAccountant.sampledGaussian(samplingRate, noiseMultiplier, 1);
  }

  void step() {
    spent = spent.plus(perRound);
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
    return String.format(Locale.ROOT, "privacy spent (nominal: a seeded simulation gives no privacy): epsilon %s at delta %g after %d rounds (q %g, sigma %g, best RDP order %g)",
        last.epsilonRoundedUp(6), delta, afterRound.size(), samplingRate, noiseMultiplier, last.order());
  }

  String json() {
    DpGuarantee last = afterRound.get(afterRound.size() - 1);
    return String.format(Locale.ROOT, "{\"noise_multiplier\": %s, \"sampling_rate\": %s, \"delta\": %s, \"rounds\": %d, "
        + "\"epsilon\": %s, \"order\": %s}", SimulationReport.jsonNum(noiseMultiplier), SimulationReport.jsonNum(samplingRate),
        SimulationReport.jsonNum(delta), afterRound.size(), last.epsilonRoundedUp(6),
        SimulationReport.jsonNum(last.order()));
  }
}
