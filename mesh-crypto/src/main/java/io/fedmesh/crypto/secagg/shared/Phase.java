package io.fedmesh.crypto.secagg.shared;

/**
 * The phases of a round, in order (Bonawitz et al. 2017, rounds 0-4). FIX_GRAPH and CONSISTENCY_CHECK
 * run only in malicious-server mode.
 */
public enum Phase {
  ADVERTISE_KEYS,
  FIX_GRAPH,
  SHARE_KEYS,
  MASKED_INPUT,
  CONSISTENCY_CHECK,
  UNMASKING,
  COMPLETED
}
