package io.fedmesh.ml.train.dpsgd;

import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.ml.train.LocalModel;

/**
 * What a DP-SGD run did and what it spent.
 *
 * @param training examples sampled over the run and the last epoch's mean loss over them. Both are computed
 *     from the raw records and are NOT covered by the guarantee: they may be logged locally, never sent
 * @param samplingRate q = B / N, what the accountant was charged with
 * @param steps optimizer steps taken (epochs times ceil(N / B)), what the accountant was charged with
 * @param noiseMultiplier sigma
 * @param spent the RDP of this run, RdpAccountant.sampledGaussian(q, sigma, steps); add it to the
 *     participant's running budget with {@link RdpBudget#plus}
 */
public record DpSgdResult(LocalModel.TrainingResult training, double samplingRate, long steps, double noiseMultiplier,
    RdpBudget spent) {

  /** This run alone as (epsilon, delta)-DP for the records of the local data. */
  public DpGuarantee epsilon(double delta) {
    return spent.epsilon(delta);
  }
}
