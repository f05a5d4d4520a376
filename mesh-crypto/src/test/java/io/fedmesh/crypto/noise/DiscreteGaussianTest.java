package io.fedmesh.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.random.SimulationRandom;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiscreteGaussianTest {
  private static final int SAMPLES = 200_000;

  private static long[] draw(DiscreteGaussian gaussian, long seed, int n) {
    return gaussian.sample(new UniformIntegers(SimulationRandom.fromSeed(seed)), n);
  }

  private static ExactPmf exactPmf(DiscreteGaussian gaussian) {
    return ExactPmf.discreteGaussian(gaussian.varianceNumerator(), gaussian.varianceDenominator());
  }

  @ParameterizedTest(name = "sigma^2 = {0}/{1}")
  @CsvSource({
    "1, 1", // sigma = 1
    "1, 4", // sigma = 1/2: t = 1, mostly 0 and +-1
    "7, 3", // a non-integer rational
    "9, 1", // sigma = 3
    "100, 1", // sigma = 10
    "1000000, 1", // sigma = 1000, still on the long path
  })
  void samplesFitTheExactPmfWithTheRightMeanAndVariance(long num, long den) {
    DiscreteGaussian gaussian = DiscreteGaussian.ofVariance(num, den);
    long[] samples = draw(gaussian, num * 7919 + den, SAMPLES);
    ExactPmf pmf = exactPmf(gaussian);

    ChiSquareFit fit = ChiSquareFit.of(samples, pmf, 20);
    assertThat(fit.rejectsAtOnePerMille()).as(fit.toString()).isFalse();
    assertMeanAndVariance(samples, pmf.secondMoment().doubleValue());
  }

  @Test
  void aVarianceBeyondLongArithmeticTakesTheBigIntegerPathAndStillFits() {
    // sigma = pi to 15 places: sigma^2 = 9.869604401089357...  with denominator 10^30, far past a long
    DiscreteGaussian gaussian = DiscreteGaussian.ofSigma(new BigDecimal("3.141592653589793"));
    assertThat(gaussian.varianceDenominator().bitLength()).isGreaterThan(64);
    long[] samples = draw(gaussian, 314, SAMPLES / 2);
    ExactPmf pmf = exactPmf(gaussian);

    ChiSquareFit fit = ChiSquareFit.of(samples, pmf, 20);
    assertThat(fit.rejectsAtOnePerMille()).as(fit.toString()).isFalse();
    assertMeanAndVariance(samples, pmf.secondMoment().doubleValue());
  }

  @Test
  void aMillionSigmaHasTheRightMomentsAndSymmetry() {
    // sigma^2 = 10^12: the acceptance exponent's denominator 2 p q t^2 ~ 2e24 needs BigInteger
    DiscreteGaussian gaussian = DiscreteGaussian.ofSigma(1e6);
    long[] samples = draw(gaussian, 1_000_000, 40_000);
    // At sigma = 10^6 the variance of N_Z(0, sigma^2) and sigma^2 differ far below what 40,000 samples resolve.
    assertMeanAndVariance(samples, 1e12);
  }

  @Test
  void theChiSquareTestRejectsASigmaOneOrTwoPercentOff() {
    // The same samples as the sigma = 3 case above, tested against sigma 2% and 1% off either way.
    long[] samples = draw(DiscreteGaussian.ofVariance(9, 1), 9 * 7919 + 1, SAMPLES);
    for (String wrongSigma : new String[] {"3.06", "2.94", "3.03", "2.97"}) {
      ChiSquareFit fit = ChiSquareFit.of(samples, exactPmf(DiscreteGaussian.ofSigma(new BigDecimal(wrongSigma))), 20);
      assertThat(fit.rejectsAtOnePerMille()).as("against sigma " + wrongSigma + ": " + fit).isTrue();
    }
  }

  @Test
  void aFixedSeedReplaysTheSameNoise() {
    DiscreteGaussian gaussian = DiscreteGaussian.ofSigma(10);
    assertThat(draw(gaussian, 42, 1000)).isEqualTo(draw(gaussian, 42, 1000)).isNotEqualTo(draw(gaussian, 43, 1000));
  }

  @Test
  void sigmaIsKeptAsAnExactRationalInLowestTerms() {
    assertThat(DiscreteGaussian.ofSigma(0.1).toString()).isEqualTo("DiscreteGaussian(sigma^2 = 1/100)");
    assertThat(DiscreteGaussian.ofVariance(-6, -4).toString()).isEqualTo("DiscreteGaussian(sigma^2 = 3/2)");
    assertThat(DiscreteGaussian.ofSigma(new BigDecimal("1E+3")).varianceNumerator()).isEqualTo(BigInteger.valueOf(1_000_000));
  }

  @Test
  void badParametersAreRefusedWithTheirValue() {
    assertThatThrownBy(() -> DiscreteGaussian.ofVariance(0, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> DiscreteGaussian.ofVariance(-1, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1/1");
    assertThatThrownBy(() -> DiscreteGaussian.ofVariance(1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a finite number");
    assertThatThrownBy(() -> DiscreteGaussian.ofSigma(Double.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    assertThatThrownBy(() -> DiscreteGaussian.ofSigma(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a finite");
    assertThatThrownBy(() -> DiscreteGaussian.ofSigma(-2.0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> DiscreteGaussian.ofSigma(BigDecimal.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DiscreteGaussian.ofVariance(BigInteger.ONE.shiftLeft(80).add(BigInteger.ONE), BigInteger.ONE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^80");
    DiscreteGaussian fine = DiscreteGaussian.ofVariance(BigInteger.ONE.shiftLeft(80), BigInteger.ONE);
    assertThat(fine.sample(new UniformIntegers(SimulationRandom.fromSeed(1)))).isNotNull();
    assertThatThrownBy(() -> fine.sample(new UniformIntegers(SimulationRandom.fromSeed(1)), -1)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Mean within 4.5 standard errors of 0; sample variance within 4.5 standard errors of the exact variance. */
  private static void assertMeanAndVariance(long[] samples, double variance) {
    int n = samples.length;
    double sum = 0;
    double sumSquares = 0;
    for (long x : samples) {
      sum += x;
      sumSquares += (double) x * x;
    }
    double mean = sum / n;
    double meanSquare = sumSquares / n;
    assertThat(Math.abs(mean)).as("mean").isLessThan(4.5 * Math.sqrt(variance / n));
    // Var of X^2 for a (near-)Gaussian is 2 sigma^4; use the sample's own fourth moment would be stricter.
    assertThat(Math.abs(meanSquare - variance)).as("E[X^2] = %s vs %s", meanSquare, variance).isLessThan(4.5 * variance * Math.sqrt(2.0 / n) + 1e-9);
  }
}
