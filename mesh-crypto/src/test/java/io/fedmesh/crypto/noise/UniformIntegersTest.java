package io.fedmesh.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.random.SimulationRandom;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.function.BooleanSupplier;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UniformIntegersTest {

  private static UniformIntegers seeded(long seed) {
    return new UniformIntegers(SimulationRandom.fromSeed(seed));
  }

  @Test
  void belowIsUniformOnARangeThatIsNotAPowerOfTwo() {
    // 6 needs 3 bits; a modulo reduction of 3 bits would give 0 and 1 twice the weight of 2..5.
    UniformIntegers random = seeded(1);
    int n = 6;
    int draws = 120_000;
    long[] counts = new long[n];
    for (int i = 0; i < draws; i++) {
      long v = random.below(n);
      assertThat(v).isBetween(0L, n - 1L);
      counts[(int) v]++;
    }
    double expected = (double) draws / n;
    double chi2 = 0;
    for (long c : counts) {
      chi2 += (c - expected) * (c - expected) / expected;
    }
    assertThat(chi2).as("chi-square, 5 df, 0.1%% critical value 20.5").isLessThan(20.5);
  }

  @Test
  void belowCoversTheWholeLongRangeAndBigRanges() {
    UniformIntegers random = seeded(2);
    assertThat(random.below(1)).isZero();
    long top = Long.MAX_VALUE;
    long high = 0;
    for (int i = 0; i < 64; i++) {
      high = Math.max(high, random.below(top));
    }
    assertThat(high).isGreaterThan(top / 2);
    BigInteger huge = BigInteger.ONE.shiftLeft(200).add(BigInteger.valueOf(12345));
    int aboveHalf = 0;
    for (int i = 0; i < 2000; i++) {
      BigInteger v = random.below(huge);
      assertThat(v.signum()).isNotNegative();
      assertThat(v).isLessThan(huge);
      if (v.testBit(199)) {
        aboveHalf++;
      }
    }
    // P[v >= 2^199] = (2^199 + 12345) / huge, essentially 1/2
    assertThat(aboveHalf).isBetween(1000 - 120, 1000 + 120);
  }

  @ParameterizedTest(name = "{0}/{1}")
  @CsvSource({"1, 3", "2, 3", "1, 2", "3, 4", "5, 7", "4, 6", "1, 1000003", "999999, 1000003", "4611686018427387905, 9223372036854775807"})
  void lazyBernoulliMatchesItsProbability(long numerator, long denominator) {
    UniformIntegers random = seeded(numerator ^ denominator);
    BigDecimal p = BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), MathContext.DECIMAL64);
    assertFrequency(() -> random.bernoulli(numerator, denominator), p.doubleValue());
  }

  @Test
  void lazyBernoulliOnBigIntegersMatchesItsProbability() {
    // numerator / denominator = (2^80 + 1) / (3 * 2^79 + 7), just above 2/3; and a power-of-two denominator
    BigInteger numerator = BigInteger.ONE.shiftLeft(80).add(BigInteger.ONE);
    BigInteger denominator = BigInteger.valueOf(3).shiftLeft(79).add(BigInteger.valueOf(7));
    UniformIntegers random = seeded(80);
    assertFrequency(() -> random.bernoulli(numerator, denominator), 2.0 / 3);
    assertFrequency(() -> random.bernoulli(BigInteger.ONE.shiftLeft(90), BigInteger.ONE.shiftLeft(92)), 0.25);
    assertThat(random.bernoulli(denominator, denominator)).isTrue();
    assertThat(random.bernoulli(BigInteger.ZERO, denominator)).isFalse();
  }

  /** The frequency over 100,000 draws is within 4.5 standard errors of p. */
  private static void assertFrequency(BooleanSupplier draw, double p) {
    int trials = 100_000;
    int hits = 0;
    for (int i = 0; i < trials; i++) {
      hits += draw.getAsBoolean() ? 1 : 0;
    }
    assertThat((double) hits / trials).isCloseTo(p, Offset.offset(4.5 * Math.sqrt(p * (1 - p) / trials) + 1e-12));
  }

  @Test
  void theSameSeedReplaysTheSameIntegers() {
    UniformIntegers a = seeded(3);
    UniformIntegers b = seeded(3);
    for (int i = 0; i < 1000; i++) {
      assertThat(a.below(1000 + i)).isEqualTo(b.below(1000 + i));
    }
  }

  @Test
  void anEmptyRangeOrAnImproperProbabilityIsRefused() {
    UniformIntegers random = seeded(4);
    assertThatThrownBy(() -> random.below(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> random.below(BigInteger.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> random.bernoulli(3, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a probability");
    assertThatThrownBy(() -> new UniformIntegers(null)).isInstanceOf(NullPointerException.class);
  }
}
