package io.fedmesh.ml.privacy;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * An (epsilon, delta)-DP guarantee derived from an {@link RdpBudget}, with the RDP order whose
 * conversion gave the smallest epsilon.
 *
 * @param epsilon at least 0; +Infinity when no order gives a finite bound (a mechanism without noise)
 * @param delta in (0, 1), as asked for
 * @param order the best order; NaN when epsilon is infinite
 */
public record DpGuarantee(double epsilon, double delta, double order) {
  /**
   * Epsilon rounded UP to {@code digits} significant digits, as text: a printed epsilon below the true
   * one would overstate the privacy. "inf" when there is no finite bound.
   */
  public static String roundedUp(double epsilon, int digits) {
    if (Double.isNaN(epsilon)) {
      throw new IllegalArgumentException("epsilon is NaN");
    }
    if (Double.isInfinite(epsilon)) {
      return "inf";
    }
    BigDecimal up = new BigDecimal(epsilon).round(new MathContext(digits, RoundingMode.CEILING)).stripTrailingZeros();
    return up.scale() < 0 ? up.setScale(0).toPlainString() : up.toPlainString();
  }

  /** This guarantee's epsilon rounded up to {@code digits} significant digits. */
  public String epsilonRoundedUp(int digits) {
    return roundedUp(epsilon, digits);
  }
}
