package io.fedmesh.bench.ml;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.PrivacySettings;
import io.fedmesh.coordinator.privacy.ExactIntegerNoise;
import io.fedmesh.coordinator.privacy.RoundPrivacy;
import io.fedmesh.coordinator.simulation.FederationSimulation;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.ml.strategy.DpFixedClipping;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.List;

/**
 * Central DP against the distributed discrete Gaussian at equal (epsilon, delta) and equal cohort: the
 * same federation (data, model, sampling, rounds, seed) run once with the coordinator adding the noise
 * to the integer sum, and once per modulus width with the participants adding it inside SecAgg+. Each
 * mode's noise multiplier is the smallest whose accountant reaches the target epsilon after the planned
 * rounds at the expected cohort; the epsilon actually spent (each round's own cohort) is reported too.
 */
public final class DistributedDpBench {
  private DistributedDpBench() {}

  /** The federation every run shares. */
  public record Setup(List<Dataset> clients, Dataset test, ModelSpec model, TrainingOptions options, double clip,
      double samplingRate, int rounds, double epsilon, double delta, long seed) {}

  /**
   * One run's outcome.
   *
   * @param bits 0 for central noise
   * @param noiseMultiplier sigma, calibrated to the target
   * @param plannedEpsilon the accountant's epsilon at the expected cohort
   * @param spentEpsilon the epsilon of the rounds as they ran (each at its own cohort)
   */
  public record Run(String mode, int bits, double noiseMultiplier, double plannedEpsilon, double spentEpsilon,
      List<RoundRecord> rounds) {
    public RoundRecord last() {
      return rounds.get(rounds.size() - 1);
    }
  }

  /** Central noise, calibrated to the target. */
  public static Run central(Setup s, int parameters) {
    double sigma = RdpAccountant.noiseMultiplier(s.samplingRate(), s.rounds(), s.delta(), s.epsilon());
    FederationSettings settings = settings(s, sigma, PrivacySettings.central());
    FedAvg fedAvg = new FedAvg(s.options(), 1.0, 1.0, s.clip());
    Strategy strategy = DpFixedClipping.central(fedAvg, s.clients().size(), sigma, s.clip(), s.samplingRate(),
        new ExactIntegerNoise(SimulationRandom.fromSeed(s.seed() + 3)));
    return run(s, settings, strategy, "central", 0, sigma, parameters);
  }

  /** Distributed noise with a modulus of 2^bits, calibrated to the target. */
  public static Run distributed(Setup s, int bits, int parameters) {
    PrivacySettings privacy = new PrivacySettings(PrivacySettings.Mode.DISTRIBUTED, bits, PrivacySettings.DEFAULT_BETA, null);
    int cohort = Math.max(2, (int) Math.round(s.samplingRate() * s.clients().size()));
    double lo = 0.05;
    double hi = 64;
    for (int i = 0; i < 40; i++) {
      double mid = Math.sqrt(lo * hi);
      if (planned(settings(s, mid, privacy), s, cohort, parameters) <= s.epsilon()) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    FederationSettings settings = settings(s, hi, privacy);
    FedAvg fedAvg = new FedAvg(s.options(), 1.0, 1.0, s.clip());
    Strategy strategy = DpFixedClipping.distributed(fedAvg, s.clients().size(), hi, s.clip(), s.samplingRate());
    return run(s, settings, strategy, "distributed", bits, hi, parameters);
  }

  static double planned(FederationSettings settings, Setup s, int cohort, int parameters) {
    try {
      RdpBudget one = RoundPrivacy.charge(settings, cohort, parameters, s.samplingRate()).orElseThrow();
      RdpBudget all = RdpBudget.zero();
      for (int r = 0; r < s.rounds(); r++) {
        all = all.plus(one);
      }
      return all.epsilon(s.delta()).epsilon();
    } catch (IllegalArgumentException noPlan) {
      return Double.POSITIVE_INFINITY; // too little noise to account (or to fit): more noise
    }
  }

  private static Run run(Setup s, FederationSettings settings, Strategy strategy, String mode, int bits, double sigma,
      int parameters) {
    int cohort = Math.max(2, (int) Math.round(s.samplingRate() * s.clients().size()));
    double planned = planned(settings, s, cohort, parameters);
    RdpBudget[] spent = {RdpBudget.zero()};
    FederationSimulation.Result result = new FederationSimulation(settings, s.clients(), s.test(), strategy, s.seed(),
        System::nanoTime).run(s.rounds(), false, r -> spent[0] = spent[0].plus(RoundPrivacy.charge(settings,
            Math.max(2, r.invited()), r.parameters(), s.samplingRate()).orElseThrow()));
    return new Run(mode, bits, sigma, planned, spent[0].epsilon(s.delta()).epsilon(), result.rounds());
  }

  static FederationSettings settings(Setup s, double sigma, PrivacySettings privacy) {
    Dataset first = s.clients().get(0);
    return new FederationSettings(NodeId.ofBytes(new byte[NodeId.BYTES]), s.model(), first.sampleShape(), first.classes(),
        s.seed(), "fedavg", 1.0, s.options(), 2, 100_000, 1.0, 60_000, 30_000, 30_000, 0.1, 0.05, 1, true, s.clip(), sigma,
        s.delta(), privacy);
  }
}
