/**
 * A participant's own privacy accounting (docs/ml.md, "Budgets each participant enforces"): what each
 * round it accepts under distributed DP or DP-SGD costs it ({@link io.fedmesh.coordinator.privacy.RoundCharge}),
 * whether that stays within its own cap ({@link io.fedmesh.coordinator.privacy.SpendCheck}), and the ledger
 * that records the charge durably before the participant accepts ({@link io.fedmesh.coordinator.privacy.ParticipantLedger}).
 * Sans I/O: persistence is a port the node fills in.
 */
package io.fedmesh.coordinator.privacy;
