package io.fedmesh.coordinator.privacy;

import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.DdgEncoding;
import java.util.Optional;

/**
 * How a participant accounts a round of the distributed discrete Gaussian (Kairouz, Liu and Steinke
 * 2021): {@link #FULL} is the paper's bound ({@link RoundPrivacy#ddg}) without sampling amplification,
 * what nodes use; {@link #NOT_YET} accounts nothing, so such rounds are declined, never charged as free
 * (tests use it for that path).
 */
@FunctionalInterface
public interface DdgAccounting {

  /** No accountant: rounds with the distributed discrete Gaussian are declined. */
  DdgAccounting NOT_YET = encoding -> Optional.empty();

  /**
   * The distributed discrete Gaussian's bound for the whole mechanism, rate 1 (no amplification).
   * The encoding's padded dimension is checked as the rest of it (a power of two).
   */
  DdgAccounting FULL = encoding -> Optional.of(RoundPrivacy.ddg(
      io.fedmesh.crypto.ddg.DdgSpec.fromProto(encoding, (int) Math.max(1, Math.min(1 << 30, encoding.getPaddedDimension()))), 1.0));

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
