package io.fedmesh.coordinator.privacy;

import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.RoundPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * What one round costs this participant, from the plan and facts only it knows (its number of local
 * training examples): one part per mechanism the plan asks it to apply. Central DP is not charged here:
 * the coordinator adds that noise, so a participant can neither check nor count on it.
 *
 * <p>Record-level (DP-SGD) and client-level (distributed discrete Gaussian) charges are added up:
 * a client-level guarantee also holds for any one of the client's records, so the sum bounds what the
 * round reveals about a record of this participant. That errs on the safe side when both are used.
 *
 * @param parts one per mechanism, at {@link RdpAccountant#DEFAULT_ORDERS}; empty for a round without
 *     participant-side DP
 */
public record RoundCharge(List<Part> parts) {

  /** One mechanism's cost. */
  public record Part(Mechanism mechanism, RdpBudget rdp) {}

  public RoundCharge {
    parts = List.copyOf(parts);
  }

  /**
   * The charge of {@code plan} for a participant with {@code localExamples} training examples.
   *
   * @throws Unaccountable if the round cannot be accounted for (it must then be declined): the
   *     distributed discrete Gaussian without an accountant, a DP-SGD plan out of range, no local examples
   */
  public static RoundCharge of(RoundPlan plan, long localExamples, DdgAccounting ddg) throws Unaccountable {
    List<Part> parts = new ArrayList<>();
    var privacy = plan.getPrivacy();
    if (privacy.hasDdg()) {
      RdpBudget rdp;
      try {
        rdp = ddg.rdpOfRound(privacy.getDdg()).orElseThrow(() -> new Unaccountable("ddg_not_accounted",
            "this node cannot account the distributed discrete Gaussian yet"));
      } catch (IllegalArgumentException e) {
        throw new Unaccountable("ddg_invalid", "the round's distributed discrete Gaussian cannot be accounted: " + e.getMessage());
      }
      parts.add(new Part(Mechanism.DDG, rdp));
    }
    if (privacy.hasDpSgd()) {
      parts.add(new Part(Mechanism.DP_SGD, dpSgd(privacy.getDpSgd(), plan.getTraining().getEpochs(), localExamples)));
    }
    return new RoundCharge(parts);
  }

  /**
   * DP-SGD over one round of local training: the sampled Gaussian mechanism with q = batch_size / n
   * (capped at 1), sigma = noise_multiplier, for epochs * ceil(n / batch_size) steps, n being this
   * participant's training examples. One epoch is ceil(n / B) Poisson-sampled batches: each covers B
   * examples in expectation, so that many steps go over the data once, and rounding up never charges
   * less than the trainer takes.
   *
   * @throws Unaccountable if the plan is out of range or there are no local examples
   */
  public static RdpBudget dpSgd(DpSgdPlan plan, int epochs, long localExamples) throws Unaccountable {
    if (localExamples < 1) {
      throw new Unaccountable("no_examples", "DP-SGD cannot be accounted without local training examples");
    }
    long batch = plan.getBatchSize();
    double sigma = plan.getNoiseMultiplier();
    if (batch < 1 || batch > 1_000_000 || epochs < 1 || !(sigma >= 0) || Double.isInfinite(sigma)) {
      throw new Unaccountable("dp_sgd_invalid", "the round's DP-SGD plan is out of range (batch size " + batch
          + ", epochs " + epochs + ", noise multiplier " + sigma + ")");
    }
    double q = Math.min(1.0, (double) batch / localExamples);
    long steps = Math.multiplyExact((long) epochs, (localExamples + batch - 1) / batch);
    return RdpAccountant.sampledGaussian(q, sigma, steps);
  }

  /** The sum of the parts (nothing spent for a round without participant-side DP). */
  public RdpBudget total() {
    RdpBudget sum = RdpBudget.zero();
    for (Part p : parts) {
      sum = sum.plus(p.rdp());
    }
    return sum;
  }

  /** A round this participant cannot account for, and so declines. */
  public static final class Unaccountable extends Exception {
    private final String kind;

    /**
     * @param kind a short label for metrics (ddg_not_accounted, ddg_invalid, dp_sgd_invalid, no_examples)
     * @param reason one line, the decline's reason
     */
    public Unaccountable(String kind, String reason) {
      super(reason, null, false, false);
      this.kind = kind;
    }

    public String kind() {
      return kind;
    }
  }
}
