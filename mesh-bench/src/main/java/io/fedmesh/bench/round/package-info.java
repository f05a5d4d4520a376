/**
 * Whole federated rounds without training ({@code fedmesh bench round}): the round protocol of
 * docs/protocol.md section 8 with a synthetic update in place of DJL, once over the wire (a coordinator
 * and participants, each its own node process on loopback with mutual TLS) and once in one process
 * ({@code InProcessRounds}), in the same run.
 */
package io.fedmesh.bench.round;
