package io.fedmesh.ml.strategy;

/** A participant whose update is not in the round's sum, and why. */
public record Failure(int client, String reason) {}
