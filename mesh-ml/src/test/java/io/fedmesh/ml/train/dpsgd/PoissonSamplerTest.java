package io.fedmesh.ml.train.dpsgd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Poisson sampling's batch sizes and inclusion frequencies, and the generator behind them. */
class PoissonSamplerTest {

  @Test
  void batchSizesAreBinomialAndEveryExampleIsEquallyLikely() {
    int n = 1000;
    double q = 0.05;
    int draws = 4000;
    AesCtrRandom random = AesCtrRandom.seeded(5);
    int[] out = new int[n];
    int[] included = new int[n];
    double sum = 0;
    double squares = 0;
    int empty = 0;
    for (int d = 0; d < draws; d++) {
      int count = PoissonSampler.sample(n, q, random, out);
      sum += count;
      squares += (double) count * count;
      for (int i = 0; i < count; i++) {
        included[out[i]]++;
        if (i > 0) {
          assertThat(out[i]).isGreaterThan(out[i - 1]); // increasing, so no example twice
        }
      }
      empty += count == 0 ? 1 : 0;
    }
    double mean = sum / draws;
    double variance = squares / draws - mean * mean;
    // Binomial(1000, 0.05): mean 50, variance 47.5. Standard errors: 0.11 for the mean, about 1.1 for the variance.
    assertThat(mean).isCloseTo(n * q, within(0.5));
    assertThat(variance).isCloseTo(n * q * (1 - q), within(5.0));
    assertThat(empty).isZero();
    // Each example in about q * draws = 200 batches (sd 13.8); 5 sd over 1,000 examples.
    for (int i = 0; i < n; i++) {
      assertThat(included[i]).as("example %d", i).isBetween(131, 269);
    }
  }

  @Test
  void smallRatesGiveEmptyBatchesAsOftenAsTheyShould() {
    // n = 50, q = 0.02: P(empty) = 0.98^50 = 0.364.
    AesCtrRandom random = AesCtrRandom.seeded(6);
    int[] out = new int[50];
    int empty = 0;
    int draws = 5000;
    for (int d = 0; d < draws; d++) {
      empty += PoissonSampler.sample(50, 0.02, random, out) == 0 ? 1 : 0;
    }
    assertThat((double) empty / draws).isCloseTo(Math.pow(0.98, 50), within(0.03));
  }

  @Test
  void rateOneTakesEveryExample() {
    int[] out = new int[7];
    assertThat(PoissonSampler.sample(7, 1.0, AesCtrRandom.seeded(1), out)).isEqualTo(7);
    assertThat(out).containsExactly(0, 1, 2, 3, 4, 5, 6);
  }

  @Test
  void theSeededGeneratorRepeatsAndItsGaussiansAreStandard() {
    AesCtrRandom a = AesCtrRandom.seeded(42);
    AesCtrRandom b = AesCtrRandom.seeded(42);
    AesCtrRandom c = AesCtrRandom.seeded(43);
    long first = a.nextLong();
    assertThat(b.nextLong()).isEqualTo(first);
    assertThat(c.nextLong()).isNotEqualTo(first);
    assertThat(AesCtrRandom.secure().nextLong()).isNotEqualTo(AesCtrRandom.secure().nextLong());
    int n = 200_000;
    double sum = 0;
    double squares = 0;
    double fourth = 0;
    for (int i = 0; i < n; i++) {
      double g = a.nextGaussian();
      sum += g;
      squares += g * g;
      fourth += g * g * g * g;
    }
    assertThat(sum / n).isCloseTo(0, within(0.01));
    assertThat(squares / n).isCloseTo(1, within(0.01));
    assertThat(fourth / n).isCloseTo(3, within(0.06)); // a normal's kurtosis, not a uniform's or a sum's
  }
}
