package io.fedmesh.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.random.SimulationRandom;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BernoulliExpTest {
  private static final int TRIALS = 200_000;

  /** exp(-num/den) to 40 digits, as a double for the comparison. */
  private static double exactExp(BigInteger num, BigInteger den) {
    return ExactPmf.exp(new BigDecimal(num).divide(new BigDecimal(den), ExactPmf.MC).negate()).doubleValue();
  }

  private static void assertFrequencyMatches(long hits, double p) {
    double standardError = Math.sqrt(p * (1 - p) / TRIALS);
    // 4.5 standard errors: a correct sampler fails this less than once in 10^5 runs, and the seed is fixed.
    assertThat((double) hits / TRIALS).isCloseTo(p, org.assertj.core.data.Offset.offset(4.5 * standardError + 1e-12));
  }

  @ParameterizedTest(name = "gamma = {0}/{1}")
  @CsvSource({"0, 1", "1, 10", "1, 2", "2, 3", "1, 1", "3, 2", "7, 3", "5, 1", "123456789, 98765432"})
  void frequencyMatchesExpMinusGamma(long num, long den) {
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(num * 31 + den));
    long hits = 0;
    for (int i = 0; i < TRIALS; i++) {
      if (BernoulliExp.sample(random, num, den)) {
        hits++;
      }
    }
    assertFrequencyMatches(hits, exactExp(BigInteger.valueOf(num), BigInteger.valueOf(den)));
  }

  @Test
  void bigIntegerGammaBeyondLongMatchesToo() {
    // gamma = (3 * 2^70 + 1) / 2^71, just above 3/2, with a denominator no long holds
    BigInteger den = BigInteger.ONE.shiftLeft(71);
    BigInteger num = BigInteger.valueOf(3).shiftLeft(70).add(BigInteger.ONE);
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(71));
    long hits = 0;
    for (int i = 0; i < TRIALS; i++) {
      if (BernoulliExp.sample(random, num, den)) {
        hits++;
      }
    }
    assertFrequencyMatches(hits, exactExp(num, den));
  }

  @Test
  void gammaZeroIsAlwaysTrueAndHugeGammaAlmostNever() {
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(5));
    for (int i = 0; i < 1000; i++) {
      assertThat(BernoulliExp.sample(random, 0, 7)).isTrue();
      assertThat(BernoulliExp.sample(random, Long.MAX_VALUE, 1)).isFalse(); // exp(-9.2e18)
    }
  }

  @Test
  void aNegativeGammaOrAZeroDenominatorIsRefused() {
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(6));
    assertThatThrownBy(() -> BernoulliExp.sample(random, -1, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-negative");
    assertThatThrownBy(() -> BernoulliExp.sample(random, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BernoulliExp.sample(random, BigInteger.ONE, BigInteger.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
