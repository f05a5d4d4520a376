package io.fedmesh.coordinator.privacy;

import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.DdgEncoding;
import java.util.Optional;

/**
 * The hook for the distributed discrete Gaussian's accountant (Kairouz, Liu and Steinke 2021), which
 * mesh-ml does not have yet: until a node wires one in, {@link #NOT_YET} makes every round with
 * {@code privacy.ddg} set decline, never charge it as free.
 */
@FunctionalInterface
public interface DdgAccounting {

  /** No accountant: rounds with the distributed discrete Gaussian are declined. */
  DdgAccounting NOT_YET = encoding -> Optional.empty();

  /**
   * What one round with {@code encoding} costs one participant, as RDP at {@code RdpAccountant.DEFAULT_ORDERS}.
   * Without any amplification by client sampling: the coordinator picks the cohort and is not trusted to
   * pick it at random, so every round a participant is in costs it the full mechanism. The noise is the
   * sum of {@code encoding.honest_survivors} participants' shares, the most the participant can count on.
   *
   * @return empty if this accountant cannot account for the encoding (the round is then declined)
   * @throws IllegalArgumentException if the encoding is invalid (the round is declined, naming why)
   */
  Optional<RdpBudget> rdpOfRound(DdgEncoding encoding);
}
