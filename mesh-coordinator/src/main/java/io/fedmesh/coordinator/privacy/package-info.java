/**
 * Differential privacy in the round engine. The coordinator's side: the exact noise central DP adds to
 * the integer sum ({@link io.fedmesh.coordinator.privacy.ExactIntegerNoise}), the distributed discrete
 * Gaussian's per-round plan, which the coordinator and every participant derive alike from the
 * federation's settings and the round's secure-aggregation config ({@link io.fedmesh.coordinator.privacy.DdgRoundPlan}),
 * and what a round costs ({@link io.fedmesh.coordinator.privacy.RoundPrivacy}). A participant's own
 * accounting (docs/ml.md, "Budgets each participant enforces"): what each round it accepts under
 * distributed DP or DP-SGD costs it ({@link io.fedmesh.coordinator.privacy.RoundCharge}), whether that
 * stays within its own cap ({@link io.fedmesh.coordinator.privacy.SpendCheck}), and the ledger that records
 * the charge durably before the participant accepts ({@link io.fedmesh.coordinator.privacy.ParticipantLedger}).
 * Sans I/O: persistence is a port the node fills in.
 */
package io.fedmesh.coordinator.privacy;
