package io.fedmesh.coordinator.ledger;

import io.fedmesh.proto.v1.RdpCharge;

/**
 * The budget arithmetic every replica repeats bit for bit: RDP to (epsilon, delta) with the conversion
 * of Balle et al. 2020 (the accountant's, {@code RdpBudget.epsilon}), but in {@link StrictMath}, whose
 * results the Java specification fixes on every platform, so replicas that check a charge against the
 * budget all reach the same verdict.
 */
public final class LedgerBudget {
  private LedgerBudget() {}

  /** The epsilon {@code orders}/{@code rdp} amount to at {@code delta}; infinite if nothing is given. */
  public static double epsilon(RdpCharge charge, double delta) {
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < charge.getOrdersCount(); i++) {
      double order = charge.getOrders(i);
      double e = charge.getRdp(i) - (StrictMath.log(delta) + StrictMath.log(order)) / (order - 1)
          + StrictMath.log((order - 1) / order);
      best = Math.min(best, e);
    }
    return Math.max(0, best);
  }

  /** {@code a + b} order by order (same orders); either may be empty. */
  public static RdpCharge add(RdpCharge a, RdpCharge b) {
    if (b.getRdpCount() == 0) {
      return a;
    }
    if (a.getRdpCount() == 0) {
      return b;
    }
    RdpCharge.Builder sum = RdpCharge.newBuilder().addAllOrders(a.getOrdersList());
    for (int i = 0; i < a.getRdpCount(); i++) {
      sum.addRdp(a.getRdp(i) + b.getRdp(i));
    }
    return sum.build();
  }
}
