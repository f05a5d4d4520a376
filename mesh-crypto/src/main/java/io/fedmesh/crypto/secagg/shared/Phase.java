package io.fedmesh.crypto.secagg.shared;

/** The phases of a round, in order (Bonawitz et al. 2017, rounds 0-3). */
public enum Phase {
  ADVERTISE_KEYS,
  SHARE_KEYS,
  MASKED_INPUT,
  UNMASKING,
  COMPLETED
}
