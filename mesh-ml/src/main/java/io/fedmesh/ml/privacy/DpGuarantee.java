package io.fedmesh.ml.privacy;

/**
 * An (epsilon, delta)-DP guarantee derived from an {@link RdpBudget}, with the RDP order whose
 * conversion gave the smallest epsilon.
 *
 * @param epsilon at least 0; +Infinity when no order gives a finite bound (a mechanism without noise)
 * @param delta in (0, 1), as asked for
 * @param order the best order; NaN when epsilon is infinite
 */
public record DpGuarantee(double epsilon, double delta, double order) {}
