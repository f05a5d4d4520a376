package io.fedmesh.crypto.noise;

import java.util.ArrayList;
import java.util.List;

/**
 * Pearson's chi-square goodness-of-fit test of integer samples against an {@link ExactPmf}. The support
 * is cut into consecutive bins of expected count at least {@code minExpected}; the two end bins also take
 * everything beyond them, so no sample is dropped. The critical value at significance alpha is the
 * Wilson-Hilferty approximation of the chi-square quantile (within 1% of the exact one for 10 or more
 * degrees of freedom).
 */
final class ChiSquareFit {
  final double statistic;
  final int degreesOfFreedom;

  private ChiSquareFit(double statistic, int degreesOfFreedom) {
    this.statistic = statistic;
    this.degreesOfFreedom = degreesOfFreedom;
  }

  static ChiSquareFit of(long[] samples, ExactPmf pmf, double minExpected) {
    int n = samples.length;
    // Bin upper ends (inclusive), walking the support left to right.
    List<Long> upper = new ArrayList<>();
    List<Double> expected = new ArrayList<>();
    double open = 0;
    for (long x = pmf.min(); x <= pmf.max(); x++) {
      open += pmf.at(x).doubleValue() * n;
      if (open >= minExpected) {
        upper.add(x);
        expected.add(open);
        open = 0;
      }
    }
    int last = expected.size() - 1;
    expected.set(last, expected.get(last) + open); // the remainder joins the last bin,
    upper.set(last, Long.MAX_VALUE); // which, like the first, is open-ended
    long[] observed = new long[expected.size()];
    for (long sample : samples) {
      int lo = 0;
      int hi = last;
      while (lo < hi) { // first bin whose upper end is >= sample
        int mid = (lo + hi) >>> 1;
        if (upper.get(mid) >= sample) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      observed[lo]++;
    }
    double statistic = 0;
    for (int i = 0; i < observed.length; i++) {
      double d = observed[i] - expected.get(i);
      statistic += d * d / expected.get(i);
    }
    return new ChiSquareFit(statistic, observed.length - 1);
  }

  /** The chi-square quantile at 1 - alpha for alpha = 0.001 (z = 3.0902). */
  double criticalValueAtOnePerMille() {
    double k = degreesOfFreedom;
    double z = 3.090232;
    double c = 1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k));
    return k * c * c * c;
  }

  boolean rejectsAtOnePerMille() {
    return statistic > criticalValueAtOnePerMille();
  }

  @Override
  public String toString() {
    return String.format("chi2 = %.1f, df = %d, critical(0.001) = %.1f", statistic, degreesOfFreedom, criticalValueAtOnePerMille());
  }
}
