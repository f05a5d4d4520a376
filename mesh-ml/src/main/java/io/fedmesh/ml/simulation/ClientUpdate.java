package io.fedmesh.ml.simulation;

/**
 * One participant's contribution to a round: its update (local model minus global model, clipped if
 * the round asks) and the weight it counts with.
 */
public record ClientUpdate(int client, float[] update, double weight, long examples) {}
