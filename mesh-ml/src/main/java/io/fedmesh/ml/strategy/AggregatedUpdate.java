package io.fedmesh.ml.strategy;

/**
 * The sum of a round's updates, all the server learns of them: with secure aggregation the
 * individual updates never reach it.
 *
 * @param weightedSum the sum over contributors of weight x update
 * @param totalWeight the divisor the strategy averages by (the sum of weights, or under DP the expected one)
 * @param contributors how many updates are in the sum
 */
public record AggregatedUpdate(float[] weightedSum, double totalWeight, int contributors) {}
