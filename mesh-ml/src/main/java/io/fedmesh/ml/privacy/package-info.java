/**
 * Differential-privacy accounting: the Rényi-DP accountant of the Poisson-subsampled Gaussian mechanism
 * (DP-SGD and DP-FedAvg), its conversion to (epsilon, delta), and the inverse, the noise that a target
 * epsilon needs; and the same for the distributed discrete Gaussian mechanism inside secure aggregation
 * ({@link io.fedmesh.ml.privacy.DdgAccountant}), with a planner for its quantisation and noise ({@link
 * io.fedmesh.ml.privacy.DdgPlanner}). Pure functions and immutable values: the ledger persists an {@link
 * io.fedmesh.ml.privacy.RdpBudget} and adds each round's loss to it.
 */
package io.fedmesh.ml.privacy;
