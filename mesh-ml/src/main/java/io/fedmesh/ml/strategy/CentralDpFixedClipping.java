package io.fedmesh.ml.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Client-level DP-FedAvg (McMahan et al. 2018) around another strategy: participants are chosen by
 * Poisson sampling with rate q (each client independently, what the RDP accountant assumes), each
 * update is clipped to L2 norm C and counts once, and the coordinator adds Gaussian noise
 * N(0, (sigma C)^2) to every coordinate of the sum, then averages by the expected cohort q n (a
 * fixed divisor: dividing by the actual count would leak it). The coordinator is trusted with the
 * noise: it sees the sum before noising. In production {@code noise} must be a SecureRandom.
 */
public final class CentralDpFixedClipping implements Strategy {
  private final FedAvg inner;
  private final int clients;
  private final double noiseMultiplier;
  private final double clipNorm;
  private final double samplingRate;
  private final Random noise;

  /**
   * @param inner the strategy that turns the noised mean into the next model (FedAvg)
   * @param clients n, the federation's size: the divisor q n must not depend on who took part
   * @param noiseMultiplier sigma, >= 0
   * @param clipNorm C, > 0
   * @param samplingRate q, in (0, 1]
   * @param noise the noise source
   */
  public CentralDpFixedClipping(FedAvg inner, int clients, double noiseMultiplier, double clipNorm, double samplingRate,
      Random noise) {
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

  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  public double samplingRate() {
    return samplingRate;
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

  /** Noises the sum (even an empty one: the noise must not reveal that nobody took part). */
  @Override
  public float[] aggregateFit(int round, float[] global, AggregatedUpdate aggregate, List<Failure> failures) {
    float[] noised = aggregate.weightedSum().clone();
    double std = noiseMultiplier * clipNorm;
    for (int i = 0; i < noised.length; i++) {
      noised[i] += (float) (std * noise.nextGaussian());
    }
    double expected = samplingRate * clients;
    return inner.aggregateFit(round, global, new AggregatedUpdate(noised, expected, Math.max(1, aggregate.contributors())), failures);
  }

  @Override
  public String describe() {
    return "central-dp(" + inner.describe() + ") sigma=" + noiseMultiplier + " clip=" + clipNorm + " q=" + samplingRate;
  }
}
