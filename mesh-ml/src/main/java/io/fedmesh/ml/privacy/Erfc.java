package io.fedmesh.ml.privacy;

/**
 * The natural logarithm of the complementary error function, to about 1e-15 relative to erfc (absolute
 * in the logarithm) for every finite x, including far in the tail where erfc itself underflows
 * (log erfc(40) is about -1604.7).
 *
 * <p>erfc(x) = Gamma(1/2, x^2) / sqrt(pi), so this is the incomplete gamma function at a = 1/2: below
 * x^2 = 3/2 its power series (all terms positive) gives erf, above it the Legendre continued fraction,
 * evaluated by the modified Lentz method, gives erfc without the factor e^(-x^2), which is added in log
 * space. Negative x use erfc(x) = 2 - erfc(-x), which lies in [1, 2].
 */
final class Erfc {
  private static final double HALF_LOG_PI = 0.5 * Math.log(Math.PI);
  private static final double SQRT_PI = Math.sqrt(Math.PI);
  // Where the series and the continued fraction trade places: both need tens of terms there at most.
  private static final double SPLIT = 1.5;
  private static final double EPS = 0x1p-53;
  private static final double TINY = 1e-300;
  private static final int MAX_TERMS = 1_000;

  private Erfc() {}

  /** log(erfc(x)); -Infinity for +Infinity, log 2 for -Infinity, NaN for NaN. */
  static double log(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    if (x == Double.POSITIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    double z = x * x;
    if (x >= 0) {
      return z < SPLIT ? Math.log1p(-erfSeries(x)) : logErfcFraction(x);
    }
    return Math.log1p(z < SPLIT ? erfSeries(-x) : 1 - Math.exp(logErfcFraction(-x)));
  }

  /** erf(x) for 0 <= x, x^2 < 3/2: e^(-z) sqrt(z) / Gamma(1/2) * sum_n z^n / ((1/2)(3/2)...(n + 1/2)), z = x^2. */
  private static double erfSeries(double x) {
    double z = x * x;
    double a = 0.5;
    double term = 1 / a;
    double sum = term;
    for (int n = 0; n < MAX_TERMS && Math.abs(term) >= Math.abs(sum) * EPS; n++) {
      a += 1;
      term *= z / a;
      sum += term;
    }
    return sum * Math.exp(-z) * x / SQRT_PI;
  }

  /** log erfc(x) for x^2 >= 3/2: -x^2 + log x + log F - log sqrt(pi), F the continued fraction of Gamma(1/2, z). */
  private static double logErfcFraction(double x) {
    double z = x * x;
    double a = 0.5;
    double b = z + 1 - a;
    double c = 1 / TINY;
    double d = 1 / b;
    double fraction = d;
    for (int n = 1; n <= MAX_TERMS; n++) {
      double an = -n * (n - a);
      b += 2;
      d = an * d + b;
      d = Math.abs(d) < TINY ? TINY : d;
      c = b + an / c;
      c = Math.abs(c) < TINY ? TINY : c;
      d = 1 / d;
      double step = d * c;
      fraction *= step;
      if (Math.abs(step - 1) < EPS) {
        break;
      }
    }
    return -z + Math.log(x) + Math.log(fraction) - HALF_LOG_PI;
  }
}
