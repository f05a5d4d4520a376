package io.fedmesh.ml.privacy;

import java.util.Arrays;
import java.util.Locale;

/**
 * Privacy spent, as Rényi-DP epsilon at each of a fixed list of orders: the state the ledger keeps for
 * a federation. RDP composes by addition order by order ({@link #plus}), so a budget is persisted as
 * its two arrays ({@link #orders()}, {@link #rdp()}), restored with {@link #of}, and added to as rounds
 * run. Only the conversion to (epsilon, delta) ({@link #epsilon}) takes a minimum over orders, and it is
 * done afresh from the sums, never composed.
 *
 * <p>Immutable; the arrays are copied in and out.
 */
public final class RdpBudget {
  private final double[] orders;
  private final double[] rdp;

  private RdpBudget(double[] orders, double[] rdp) {
    this.orders = orders;
    this.rdp = rdp;
  }

  /** Nothing spent yet, tracked at {@link RdpAccountant#DEFAULT_ORDERS}. */
  public static RdpBudget zero() {
    return zero(RdpAccountant.defaultOrders());
  }

  /** Nothing spent yet, tracked at {@code orders} (checked as in {@link #of}). */
  public static RdpBudget zero(double[] orders) {
    return of(orders, new double[orders == null ? 0 : orders.length]);
  }

  /**
   * A budget from its persisted form.
   *
   * @param orders strictly increasing, each finite, above 1 and at most {@link RdpAccountant#MAX_ORDER}
   * @param rdp the RDP spent at each order: at least 0, +Infinity allowed, NaN not
   * @throws IllegalArgumentException naming the argument that is wrong
   */
  public static RdpBudget of(double[] orders, double[] rdp) {
    checkOrders(orders);
    if (rdp == null || rdp.length != orders.length) {
      throw new IllegalArgumentException("rdp must have one value per order (" + orders.length + "), got "
          + (rdp == null ? "null" : rdp.length));
    }
    for (double r : rdp) {
      if (!(r >= 0)) {
        throw new IllegalArgumentException("rdp values must be at least 0 (or +Infinity), got " + r);
      }
    }
    return new RdpBudget(orders.clone(), rdp.clone());
  }

  /** Sequential composition: the RDP of running both mechanisms, order by order. */
  public RdpBudget plus(RdpBudget other) {
    if (!Arrays.equals(orders, other.orders)) {
      throw new IllegalArgumentException("other must be tracked at the same orders to compose: "
          + Arrays.toString(orders) + " vs " + Arrays.toString(other.orders));
    }
    double[] sum = new double[rdp.length];
    for (int i = 0; i < sum.length; i++) {
      sum[i] = rdp[i] + other.rdp[i];
    }
    return new RdpBudget(orders, sum);
  }

  /**
   * The smallest epsilon such that the spent budget is (epsilon, delta)-DP, by the conversion of Balle et
   * al. 2020 ("Hypothesis Testing Interpretations and Renyi Differential Privacy", theorem 21), exactly
   * as Opacus applies it at each order alpha with RDP r:
   * <pre>{@code epsilon(alpha) = r - (log(delta) + log(alpha)) / (alpha - 1) + log((alpha - 1) / alpha)}</pre>
   * minimised over the orders (ties go to the lowest order). A negative minimum, possible only for large
   * delta, is reported as 0, as TF Privacy does: (epsilon, delta)-DP for a negative epsilon implies it for 0.
   *
   * <p>The conversion is loose near RDP 0: at the default orders even a budget with nothing spent
   * converts to (-log(delta) - log 63) / 62 + log(62/63), 0.103 at delta = 1e-5, its floor. TF Privacy
   * reports 0 below about delta^2 of RDP (a total-variation bound); this does not, because there a
   * rounding error in a tiny RDP would turn into a jump of the whole floor, in the unsafe direction.
   *
   * @param delta in (0, 1)
   * @throws IllegalArgumentException if delta is outside (0, 1)
   */
  public DpGuarantee epsilon(double delta) {
    RdpAccountant.checkDelta(delta);
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    for (int i = 0; i < orders.length; i++) {
      double order = orders[i];
      double epsilon = rdp[i] - (Math.log(delta) + Math.log(order)) / (order - 1) + Math.log((order - 1) / order);
      if (epsilon < best) {
        best = epsilon;
        bestOrder = order;
      }
    }
    return new DpGuarantee(Math.max(0, best), delta, bestOrder);
  }

  /** The orders, increasing (a copy). */
  public double[] orders() {
    return orders.clone();
  }

  /** The RDP spent at each order (a copy). */
  public double[] rdp() {
    return rdp.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RdpBudget other && Arrays.equals(orders, other.orders) && Arrays.equals(rdp, other.rdp);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(orders) + Arrays.hashCode(rdp);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("RdpBudget{");
    for (int i = 0; i < orders.length; i++) {
      s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s: %s", orders[i], rdp[i]));
    }
    return s.append('}').toString();
  }

  private static void checkOrders(double[] orders) {
    if (orders == null || orders.length == 0) {
      throw new IllegalArgumentException("orders must not be empty");
    }
    double previous = 1;
    for (double order : orders) {
      if (!(order > previous && order <= RdpAccountant.MAX_ORDER)) {
        throw new IllegalArgumentException("orders must be strictly increasing, above 1 and at most "
            + RdpAccountant.MAX_ORDER + ", got " + Arrays.toString(orders));
      }
      previous = order;
    }
  }
}
