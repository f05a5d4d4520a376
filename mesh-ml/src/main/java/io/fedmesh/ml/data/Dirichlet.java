package io.fedmesh.ml.data;

import java.util.Random;

/** Draws from a symmetric Dirichlet distribution (via Gamma draws, Marsaglia and Tsang 2000). */
final class Dirichlet {
  private Dirichlet() {}

  static double[] sample(int k, double alpha, Random random) {
    double[] p = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      p[i] = gamma(alpha, random);
      sum += p[i];
    }
    if (sum == 0) { // every draw underflowed (tiny alpha): all the mass on one share
      p[random.nextInt(k)] = 1;
      return p;
    }
    for (int i = 0; i < k; i++) {
      p[i] /= sum;
    }
    return p;
  }

  static double gamma(double shape, Random random) {
    if (shape < 1) {
      // Gamma(a) = Gamma(a + 1) * U^(1/a)
      return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = random.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v;
      }
    }
  }

  static void checkAlpha(double alpha) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("Dirichlet alpha must be positive and finite, got " + alpha);
    }
  }
}
