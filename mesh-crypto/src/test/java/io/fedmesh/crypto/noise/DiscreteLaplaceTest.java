package io.fedmesh.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.random.SimulationRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DiscreteLaplaceTest {
  private static final int SAMPLES = 200_000;

  @ParameterizedTest(name = "scale {0}/{1}")
  @CsvSource({"1, 1", "3, 1", "5, 2", "1, 3", "40, 1"})
  void samplesFitTheExactPmf(long t, long s) {
    DiscreteLaplace laplace = DiscreteLaplace.withScale(t, s);
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(1000 * t + s));
    long[] samples = new long[SAMPLES];
    long positive = 0;
    long negative = 0;
    for (int i = 0; i < SAMPLES; i++) {
      samples[i] = laplace.sample(random);
      positive += samples[i] > 0 ? 1 : 0;
      negative += samples[i] < 0 ? 1 : 0;
    }

    ChiSquareFit fit = ChiSquareFit.of(samples, ExactPmf.discreteLaplace(t, s), 20);
    assertThat(fit.rejectsAtOnePerMille()).as(fit.toString()).isFalse();
    // symmetric: the signs of the non-zero samples are a fair coin (4.5 standard errors)
    long nonZero = positive + negative;
    assertThat((double) Math.abs(positive - negative)).isLessThan(4.5 * Math.sqrt(nonZero));
  }

  @Test
  void theFitRejectsAWrongScale() {
    DiscreteLaplace laplace = DiscreteLaplace.withScale(3, 1);
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(3001));
    long[] samples = new long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      samples[i] = laplace.sample(random);
    }
    ChiSquareFit fit = ChiSquareFit.of(samples, ExactPmf.discreteLaplace(31, 10), 20); // 3.1 instead of 3
    assertThat(fit.rejectsAtOnePerMille()).as(fit.toString()).isTrue();
  }

  @Test
  void aScaleThatIsNotAPositiveRationalIsRefused() {
    assertThatThrownBy(() -> DiscreteLaplace.withScale(0, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t >= 1");
    assertThatThrownBy(() -> DiscreteLaplace.withScale(1, -2)).isInstanceOf(IllegalArgumentException.class);
  }
}
