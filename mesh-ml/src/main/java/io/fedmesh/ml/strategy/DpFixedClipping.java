package io.fedmesh.ml.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Client-level DP-FedAvg (McMahan et al. 2018) around FedAvg: participants are chosen by Poisson
 * sampling with rate q (each client independently, what the RDP accountant assumes), each update is
 * clipped to L2 norm C and counts once, the sum gets Gaussian noise of standard deviation sigma C per
 * coordinate, and the mean divides by the expected cohort q n (a fixed divisor: dividing by the actual
 * count would leak it).
 *
 * <p>Who adds the noise is the mode:
 * <ul>
 *   <li>{@link #central}: the coordinator adds it, to the integer sum secure aggregation produced, with an
 *       exact discrete Gaussian sampler. The coordinator sees the sum before noising: it is trusted.</li>
 *   <li>{@link #distributed}: each participant added its share of the noise before secure aggregation (the
 *       distributed discrete Gaussian), so the sum arrives noised and nothing is added here. No one is
 *       trusted with an un-noised sum.</li>
 * </ul>
 */
public final class DpFixedClipping implements Strategy {
  private final Strategy inner;
  private final int clients;
  private final double noiseMultiplier;
  private final double clipNorm;
  private final double samplingRate;
  private final IntegerNoise noise;

  private DpFixedClipping(Strategy inner, int clients, double noiseMultiplier, double clipNorm, double samplingRate,
      IntegerNoise noise) {
    if (clients < 1) {
      throw new IllegalArgumentException("need at least one client, got " + clients);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException("noise multiplier must be >= 0 and finite, got " + noiseMultiplier);
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("DP needs a clip norm > 0, got " + clipNorm);
    }
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + samplingRate);
    }
    this.inner = inner;
    this.clients = clients;
    this.noiseMultiplier = noiseMultiplier;
    this.clipNorm = clipNorm;
    this.samplingRate = samplingRate;
    this.noise = noise;
  }

  /**
   * Central DP: the coordinator adds N_Z noise of standard deviation sigma C (in the sum's integer units,
   * rounded up) to the integer sum.
   *
   * @param inner the strategy that turns the noised mean into the next model (FedAvg)
   * @param clients n, the federation's size: the divisor q n must not depend on who took part
   * @param noiseMultiplier sigma, >= 0
   * @param clipNorm C, > 0
   * @param samplingRate q, in (0, 1]
   * @param noise the exact sampler (a DRBG's in production)
   */
  public static DpFixedClipping central(Strategy inner, int clients, double noiseMultiplier, double clipNorm,
      double samplingRate, IntegerNoise noise) {
    if (noise == null) {
      throw new IllegalArgumentException("central DP needs a noise sampler");
    }
    return new DpFixedClipping(inner, clients, noiseMultiplier, clipNorm, samplingRate, noise);
  }

  /** Distributed DP: the participants' noise is already in the sum; this only averages by q n. */
  public static DpFixedClipping distributed(Strategy inner, int clients, double noiseMultiplier, double clipNorm,
      double samplingRate) {
    return new DpFixedClipping(inner, clients, noiseMultiplier, clipNorm, samplingRate, null);
  }

  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  public double samplingRate() {
    return samplingRate;
  }

  /** Whether the coordinator adds the noise (false: the participants did). */
  public boolean central() {
    return noise != null;
  }

  @Override
  public io.fedmesh.ml.train.TrainingOptions options() {
    return inner.options();
  }

  @Override
  public FitInstructions configureFit(int round, int available, Random random) {
    if (available != clients) {
      throw new IllegalArgumentException("configured for " + clients + " clients, asked to choose among " + available);
    }
    List<Integer> chosen = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      if (random.nextDouble() < samplingRate) {
        chosen.add(c);
      }
    }
    return new FitInstructions(chosen, inner.options(), clipNorm, true);
  }

  /**
   * Noises the sum (central mode; even an empty one: the noise must not reveal that nobody took part),
   * then averages by the expected cohort.
   *
   * @throws IllegalArgumentException in central mode, if the sum has no integer form to noise
   */
  @Override
  public float[] aggregateFit(int round, float[] global, AggregatedUpdate aggregate, List<Failure> failures) {
    float[] noised = aggregate.weightedSum().clone();
    if (noise != null && noiseMultiplier > 0) {
      long[] integers = aggregate.integerSum();
      if (integers == null) {
        throw new IllegalArgumentException("central DP noises the integer sum, and this sum has none");
      }
      double step = aggregate.integerStep();
      long[] n = noise.sample(integers.length, noiseMultiplier * clipNorm / step);
      for (int i = 0; i < noised.length; i++) {
        // One rounding, of the noised integer: the output is a function of it alone.
        noised[i] = (float) (Math.addExact(integers[i], n[i]) * step);
      }
    }
    double expected = samplingRate * clients;
    return inner.aggregateFit(round, global, new AggregatedUpdate(noised, expected, Math.max(1, aggregate.contributors())), failures);
  }

  @Override
  public String describe() {
    return (noise != null ? "central-dp(" : "distributed-dp(") + inner.describe() + ") sigma=" + noiseMultiplier + " clip="
        + clipNorm + " q=" + samplingRate;
  }
}
