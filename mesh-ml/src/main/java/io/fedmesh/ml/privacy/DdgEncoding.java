package io.fedmesh.ml.privacy;

import java.util.Locale;

/**
 * How each client turns its update into integers for the distributed discrete Gaussian mechanism
 * (Kairouz, Liu and Steinke, "The Distributed Discrete Gaussian Mechanism for Federated Learning with
 * Secure Aggregation", ICML 2021, arXiv 2102.06387): clip to L2 norm {@code clip}, pad to {@code
 * paddedDimension} (a power of two), rotate, multiply by 1/{@code gamma}, and round each coordinate
 * randomly, re-rounding until the rounded vector's norm is within the bound that {@code beta} sets
 * (conditional randomised rounding). From these follow the sensitivities the privacy bound needs.
 *
 * <p>Units: {@code clip} is in the update's own units; {@code gamma} is the size, in those units, of one
 * integer step; the sensitivities are in integer units (after scaling and rounding).
 *
 * @param clients n, the fewest honest clients whose noise reaches the sum in any round (cohort minus the
 *     dropouts and the corrupt clients the round tolerates): at least 1
 * @param paddedDimension d, the dimension after padding, a power of two. It must be the padded one: the
 *     bound grows with d, and the unpadded dimension would understate the privacy loss.
 * @param clip c, the L2 clipping norm, finite and above 0
 * @param gamma the quantisation step, finite and above 0
 * @param beta the conditional rounding parameter, in [0, 1); 0 means unconditional rounding
 */
public record DdgEncoding(int clients, int paddedDimension, double clip, double gamma, double beta) {
  /** Checks the arguments. @throws IllegalArgumentException naming the one out of range */
  public DdgEncoding {
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be at least 1, got " + clients);
    }
    if (paddedDimension < 1 || Integer.bitCount(paddedDimension) != 1) {
      throw new IllegalArgumentException("paddedDimension must be a power of two (the dimension after padding: "
          + "the bound needs the padded one), got " + paddedDimension
          + (paddedDimension > 0 ? "; pad to " + padded(paddedDimension) : ""));
    }
    if (!(clip > 0 && clip < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("clip must be finite and above 0, got " + clip);
    }
    if (!(gamma > 0 && gamma < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("gamma must be finite and above 0, got " + gamma);
    }
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("beta must be in [0, 1), got " + beta);
    }
  }

  /** The smallest power of two at least {@code dimension} (1 to 2^30), the dimension the rotation needs. */
  public static int padded(int dimension) {
    if (dimension < 1 || dimension > 1 << 30) {
      throw new IllegalArgumentException("dimension must be in [1, 2^30], got " + dimension);
    }
    return dimension == 1 ? 1 : Integer.highestOneBit(dimension - 1) << 1;
  }

  /**
   * Delta_2, the largest L2 norm of a scaled, rounded update, in integer units: the paper's conditional
   * rounding bound (its Proposition 22, reference {@code accounting_utils.rounded_l2_norm_bound}),
   * <pre>{@code min(c/gamma + sqrt(d), sqrt((c/gamma)^2 + d/4 + sqrt(2 ln(1/beta)) (c/gamma + sqrt(d)/2)))}</pre>
   * and only the first, which holds for any rounding to a neighbouring integer, when beta = 0.
   */
  public double l2Sensitivity() {
    double scaled = clip / gamma;
    double d = paddedDimension;
    double any = scaled + Math.sqrt(d);
    if (beta == 0) {
      return any;
    }
    double conditional = Math.sqrt(scaled * scaled + d / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (scaled + Math.sqrt(d) / 2));
    return Math.min(any, conditional);
  }

  /**
   * Delta_1, the largest L1 norm of a scaled, rounded update, in integer units: Delta_2 min(sqrt(d),
   * Delta_2), because L1 <= sqrt(d) L2 always and L1 <= L2^2 for integer vectors (reference {@code
   * rounded_l1_norm_bound}).
   */
  public double l1Sensitivity() {
    double l2 = l2Sensitivity();
    return l2 * Math.min(Math.sqrt(paddedDimension), l2);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "DdgEncoding{n=%d, d=%d, clip=%s, gamma=%s, beta=%s}",
        clients, paddedDimension, clip, gamma, beta);
  }
}
