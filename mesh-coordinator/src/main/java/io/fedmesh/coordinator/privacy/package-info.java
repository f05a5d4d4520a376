/**
 * Differential privacy in the round engine: the exact noise central DP adds to the integer sum, and the
 * distributed discrete Gaussian's per-round plan, which the coordinator and every participant derive
 * alike from the federation's settings and the round's secure-aggregation config.
 */
package io.fedmesh.coordinator.privacy;
