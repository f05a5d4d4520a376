package io.fedmesh.coordinator.privacy;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.round.RoundPlanner;
import io.fedmesh.crypto.ddg.DdgSpec;
import io.fedmesh.ml.privacy.DdgAccountant;
import io.fedmesh.ml.privacy.DdgEncoding;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.RoundPlan;
import java.util.Optional;

/**
 * What one round's client-level noise costs, as per-order RDP, for whoever accounts it: the federation's
 * ledger (amplified by the federation's Poisson sampling rate, a guarantee about the released models) or
 * a participant's own ledger (rate 1: a participant does not trust the coordinator to have sampled it at
 * random, and the coordinator learns every cohort anyway).
 */
public final class RoundPrivacy {
  private RoundPrivacy() {}

  /**
   * The charge of a round run with {@code plan}: the distributed discrete Gaussian's bound for the plan's
   * encoding, or the sampled Gaussian's for central noise; empty when the federation adds no noise.
   *
   * @param samplingRate q, the Poisson rate amplification may assume (1: none)
   * @throws IllegalArgumentException if the plan's encoding cannot be accounted (noise below the bound's range)
   */
  public static Optional<RdpBudget> charge(FederationSettings settings, RoundPlan plan, double samplingRate) {
    if (!(settings.noiseMultiplier() > 0)) {
      return Optional.empty();
    }
    if (plan.getPrivacy().hasDdg()) {
      int length = (int) (plan.getGlobalModel().getSizeBytes() / Float.BYTES);
      return Optional.of(ddg(DdgSpec.fromProto(plan.getPrivacy().getDdg(), length), samplingRate));
    }
    return Optional.of(RdpAccountant.sampledGaussian(samplingRate, settings.noiseMultiplier(), 1));
  }

  /**
   * The charge of a round of {@code cohort} participants under these settings (for simulations, which
   * account before a plan exists; the plan is the same as {@link RoundPlanner} makes, but for its seed).
   */
  public static Optional<RdpBudget> charge(FederationSettings settings, int cohort, int modelLength, double samplingRate) {
    if (!(settings.noiseMultiplier() > 0)) {
      return Optional.empty();
    }
    if (settings.distributedNoise()) {
      DdgSpec spec = DdgRoundPlan.plan(settings, cohort, RoundPlanner.minSurvivors(settings, cohort), modelLength,
          new byte[DdgSpec.SEED_BYTES]);
      return Optional.of(ddg(spec, samplingRate));
    }
    return Optional.of(RdpAccountant.sampledGaussian(samplingRate, settings.noiseMultiplier(), 1));
  }

  /** The distributed discrete Gaussian's RDP for one round of {@code spec} (Kairouz et al. 2021, Theorem 1). */
  public static RdpBudget ddg(DdgSpec spec, double samplingRate) {
    DdgEncoding e = new DdgEncoding(spec.honestSurvivors(), spec.paddedDimension(), spec.clipNorm(), spec.gamma(), spec.beta());
    return DdgAccountant.rdp(e, Math.sqrt(spec.noiseVariance()), samplingRate, 1);
  }
}
