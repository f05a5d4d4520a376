package io.fedmesh.ml.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Card transactions that look like fraud data, for simulations without real data: rare positives
 * (class 1 = fraud, about 3% on average), and each institution with its own customers (a shift of its
 * feature distribution) and its own fraud rate (0.5x to 2x the average), so federations are non-IID
 * the way banks are. Seeded: the same seed gives the same data.
 *
 * <p>Features, roughly standardised: log amount, hour of day (sine and cosine), merchant risk, log
 * distance from home, transactions in the last hour, card present, abroad, and four features that
 * carry no signal.
 */
public final class SyntheticFraud {
  public static final int FEATURES = 12;
  public static final double MEAN_FRAUD_RATE = 0.03;
  private static final double INSTITUTION_SHIFT = 0.4;

  private final long seed;
  private final double[][] shift;
  private final double[] fraudRate;

  /** A world of {@code institutions}, each with its own shift and fraud rate drawn from {@code seed}. */
  public SyntheticFraud(int institutions, long seed) {
    if (institutions < 1) {
      throw new IllegalArgumentException("need at least one institution, got " + institutions);
    }
    this.seed = seed;
    Random r = new Random(seed);
    shift = new double[institutions][FEATURES];
    fraudRate = new double[institutions];
    for (int i = 0; i < institutions; i++) {
      for (int f = 0; f < FEATURES; f++) {
        shift[i][f] = r.nextGaussian() * INSTITUTION_SHIFT;
      }
      fraudRate[i] = MEAN_FRAUD_RATE * Math.pow(2, 2 * r.nextDouble() - 1);
    }
  }

  public int institutions() {
    return fraudRate.length;
  }

  public double fraudRate(int institution) {
    return fraudRate[institution];
  }

  /** {@code rows} transactions of one institution; {@code stream} tells apart data sets drawn from it (train 0, test 1). */
  public Dataset institution(int institution, int rows, int stream) {
    Random r = new Random(seed * 1_000_003L + institution * 7919L + stream * 104_729L + 1);
    float[] x = new float[rows * FEATURES];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      boolean fraud = r.nextDouble() < fraudRate[institution];
      y[i] = fraud ? 1 : 0;
      transaction(r, fraud, shift[institution], x, i * FEATURES);
    }
    return new Dataset(x, y, new int[] {FEATURES}, 2);
  }

  /** Every institution's {@code rowsEach} transactions, one after another. */
  public Dataset all(int rowsEach, int stream) {
    List<Dataset> parts = new ArrayList<>();
    for (int i = 0; i < institutions(); i++) {
      parts.add(institution(i, rowsEach, stream));
    }
    return Dataset.concat(parts);
  }

  private static void transaction(Random r, boolean fraud, double[] shift, float[] out, int at) {
    double logAmount = fraud ? 4.4 + 1.2 * r.nextGaussian() : 3.5 + 1.0 * r.nextGaussian();
    double hour = fraud ? 2 + 5 * r.nextGaussian() : 14 + 4 * r.nextGaussian();
    double merchantRisk = fraud ? Math.sqrt(r.nextDouble()) : r.nextDouble() * r.nextDouble();
    double logDistance = Math.log1p(-Math.log(1 - r.nextDouble()) * (fraud ? 60 : 8));
    double velocity = poisson(r, fraud ? 2.5 : 0.8);
    double cardPresent = r.nextDouble() < (fraud ? 0.25 : 0.7) ? 1 : 0;
    double abroad = r.nextDouble() < (fraud ? 0.25 : 0.05) ? 1 : 0;
    double[] v = {
        (logAmount - 3.6) / 1.1,
        Math.sin(2 * Math.PI * hour / 24),
        Math.cos(2 * Math.PI * hour / 24),
        (merchantRisk - 0.3) / 0.3,
        (logDistance - 2.2) / 1.0,
        (velocity - 0.85) / 1.0,
        cardPresent * 2 - 1,
        abroad * 4 - 0.25,
        r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
    for (int f = 0; f < FEATURES; f++) {
      out[at + f] = (float) (v[f] + shift[f]);
    }
  }

  private static int poisson(Random r, double mean) {
    double limit = Math.exp(-mean);
    double p = r.nextDouble();
    int k = 0;
    while (p > limit) {
      p *= r.nextDouble();
      k++;
    }
    return k;
  }
}
