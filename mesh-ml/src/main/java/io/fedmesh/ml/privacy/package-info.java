/**
 * Differential-privacy accounting: the Rényi-DP accountant of the Poisson-subsampled Gaussian mechanism
 * (DP-SGD and DP-FedAvg), its conversion to (epsilon, delta), and the inverse, the noise that a target
 * epsilon needs. Pure functions and immutable values: the ledger persists an {@link
 * io.fedmesh.ml.privacy.RdpBudget} and adds each round's loss to it.
 */
package io.fedmesh.ml.privacy;
