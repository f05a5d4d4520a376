package io.fedmesh.coordinator.ledger;

import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.RdpCharge;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What one round of central DP costs and whether the federation can afford it: the coordinator's side
 * of the budget. It computes the round's per-order RDP (the Poisson-subsampled Gaussian at the
 * federation's sampling rate and noise multiplier), adds it to what the ledger says is spent, and
 * refuses the round if that converts to an epsilon above the budget at its delta. The ledger commits the
 * charge as computed here; replicas only add it.
 */
public final class PrivacyCharges {
  private PrivacyCharges() {}

  /** The round's charge (empty without a budget), or why the round must not start. */
  public record Decision(RdpCharge charge, Optional<String> refusal, double epsilonAfter) {}

  public static Decision decide(PrivacyBudget budget, RdpCharge spent, double samplingRate, double noiseMultiplier, long round) {
    return decide(budget, spent, noiseMultiplier > 0 ? Optional.of(RdpAccountant.sampledGaussian(samplingRate, noiseMultiplier, 1))
        : Optional.empty(), round);
  }

  /**
   * As above for a round whose charge is computed already (the distributed discrete Gaussian's, or the
   * sampled Gaussian's); empty: the round adds no noise.
   */
  public static Decision decide(PrivacyBudget budget, RdpCharge spent, Optional<RdpBudget> roundCharge, long round) {
    if (budget.getEpsilon() == 0) {
      return new Decision(RdpCharge.getDefaultInstance(), Optional.empty(), 0);
    }
    if (roundCharge.isEmpty()) {
      return new Decision(RdpCharge.getDefaultInstance(), Optional.of(
          "the federation has a privacy budget but its rounds add no noise (dp.noise_multiplier 0)"), Double.POSITIVE_INFINITY);
    }
    RdpBudget one = roundCharge.get();
    RdpCharge charge = RdpCharge.newBuilder().addAllOrders(boxed(one.orders())).addAllRdp(boxed(one.rdp())).build();
    // The ledger checks the same sum with the same arithmetic (LedgerBudget), so both reach one verdict.
    double after = LedgerBudget.epsilon(LedgerBudget.add(spent, charge), budget.getDelta());
    double roundedUp = Math.ceil(after * 1e4) / 1e4;
    if (after > budget.getEpsilon()) {
      return new Decision(charge, Optional.of(String.format(Locale.ROOT,
          "round %d would bring epsilon to %.4f at delta %s, past the federation's budget of %s", round, roundedUp,
          budget.getDelta(), budget.getEpsilon())), after);
    }
    return new Decision(charge, Optional.empty(), after);
  }

  /** The epsilon {@code spent} amounts to at {@code delta}, rounded up to 4 decimals; 0 when nothing is spent. */
  public static double epsilonSpent(RdpCharge spent, double delta) {
    if (spent.getRdpCount() == 0 || !(delta > 0)) {
      return 0;
    }
    return Math.ceil(LedgerBudget.epsilon(spent, delta) * 1e4) / 1e4;
  }

  static List<Double> boxed(double[] values) {
    return Arrays.stream(values).boxed().toList();
  }

}
