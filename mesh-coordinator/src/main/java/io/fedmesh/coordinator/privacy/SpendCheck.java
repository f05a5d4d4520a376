package io.fedmesh.coordinator.privacy;

import io.fedmesh.ml.privacy.RdpBudget;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Optional;

/**
 * Whether a round keeps a participant within its own cap: pure, no state. A spend exactly at the cap
 * is within it. Epsilon in a reason is rounded up, never down, so a message never understates a spend.
 */
public final class SpendCheck {
  private SpendCheck() {}

  /**
   * @param spent what this participant has spent in {@code federation} so far
   * @param charge what this round would add
   * @param cap this participant's cap in the federation; null: no cap, every round passes
   * @return why the participant declines, or empty if the round stays within the cap
   */
  public static Optional<String> check(String federation, RdpBudget spent, RdpBudget charge, PrivacyCap cap) {
    if (cap == null) {
      return Optional.empty();
    }
    double after = spent.plus(charge).epsilon(cap.delta()).epsilon();
    if (after <= cap.epsilon()) {
      return Optional.empty();
    }
    return Optional.of("this round would take this participant's spend in " + federation + " to epsilon "
        + roundedUp(after) + " (own cap " + plain(cap.epsilon()) + " at delta " + plain(cap.delta()) + "); declining");
  }

  /** 4 significant digits, rounded up ("infinity" for an unbounded spend). */
  public static String roundedUp(double epsilon) {
    if (Double.isInfinite(epsilon)) {
      return "infinity";
    }
    return text(new BigDecimal(epsilon).round(new MathContext(4, RoundingMode.CEILING)));
  }

  /** The shortest decimal that reads back as {@code value}. */
  public static String plain(double value) {
    return text(BigDecimal.valueOf(value));
  }

  private static String text(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.abs().compareTo(new BigDecimal("1e-6")) < 0 && stripped.signum() != 0 ? stripped.toString()
        : stripped.toPlainString();
  }
}
