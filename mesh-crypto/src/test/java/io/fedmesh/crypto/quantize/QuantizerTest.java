package io.fedmesh.crypto.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidVectorException;
import io.fedmesh.crypto.QuantizationOverflowException;
import io.fedmesh.crypto.random.SimulationRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantizerTest {

  @ParameterizedTest(name = "{0} value bits, {1} weight bits, {2}")
  @CsvSource({"16,8,BITS_32", "20,0,BITS_32", "8,4,BITS_32", "24,8,BITS_64", "39,10,BITS_64"})
  void sumOfQuantisedIsTheQuantisedSumWithinTheStatedError(int valueBits, int weightBits, Modulus modulus) {
    Quantizer q = new Quantizer(2.5, valueBits, weightBits, modulus);
    int n = (int) Math.min(q.maxSummands(), 40);
    int m = 2000;
    Random data = new Random(valueBits * 31L + weightBits);
    SimulationRandom rounding = SimulationRandom.fromSeed(valueBits);
    double[] exact = new double[m];
    int[] sum32 = new int[m];
    long[] sum64 = new long[m];
    for (int c = 0; c < n; c++) {
      float[] x = new float[m];
      long weight = c == 0 ? q.maxWeight() : data.nextInt((int) q.maxWeight() + 1);
      for (int i = 0; i < m; i++) {
        x[i] = (float) (c == 0 ? (i % 2 == 0 ? 2.5 : -2.5) : (data.nextDouble() * 5 - 2.5)); // extremes included
        exact[i] += (double) x[i] * weight;
      }
      if (modulus == Modulus.BITS_32) {
        int[] enc = q.quantize(x, weight, rounding);
        for (int i = 0; i < m; i++) {
          sum32[i] += enc[i]; // wraps mod 2^32 like the masked sum does
        }
      } else {
        long[] enc = q.quantizeWide(x, weight, rounding);
        for (int i = 0; i < m; i++) {
          sum64[i] += enc[i];
        }
      }
    }
    double[] decoded = modulus == Modulus.BITS_32 ? q.decode(sum32, 1) : q.decodeWide(sum64, 1);

    double bound = q.sumErrorBound(n);
    for (int i = 0; i < m; i++) {
      assertThat(Math.abs(decoded[i] - exact[i])).as("coordinate %d", i).isLessThan(bound);
    }
  }

  @Test
  void stochasticRoundingIsUnbiased() {
    Quantizer q = new Quantizer(1.0, 4, 0, Modulus.BITS_32); // 7 levels per unit: rounding error is large
    float value = 0.3f; // 2.1 levels: rounds to 2 w.p. 0.9 and to 3 w.p. 0.1
    float[] x = new float[200_000];
    Arrays.fill(x, value);

    int[] enc = q.quantize(x, SimulationRandom.fromSeed(1));
    double mean = Arrays.stream(enc).average().orElseThrow();

    assertThat(enc).containsOnly(2, 3);
    // Standard error is sqrt(0.09 / 200000) = 0.00067; allow 5 of them.
    assertThat(mean).isCloseTo(0.3 * 7, org.assertj.core.data.Offset.offset(0.0034));
  }

  @Test
  void theDocumentedCapacityIsExactlyTheLargestSumThatDecodes() {
    // 24 value bits, 4 weight bits: each encoding reaches 15 * (2^23 - 1) = 125,829,105, and
    // floor((2^31 - 1) / 125,829,105) = 17 of them fit in a signed 32-bit word.
    Quantizer q = new Quantizer(1.0, 24, 4, Modulus.BITS_32);
    assertThat(q.maxSummands()).isEqualTo(17);
    float[] worst = {1.0f, -1.0f};
    int[] sum = new int[2];
    for (int c = 0; c < 17; c++) {
      int[] enc = q.quantize(worst, 15, SimulationRandom.fromSeed(c));
      sum[0] += enc[0];
      sum[1] += enc[1];
    }
    assertThat(q.decode(sum, 17 * 15)).containsExactly(1.0, -1.0);
    q.checkCapacity(17);

    int[] one = q.quantize(worst, 15, SimulationRandom.fromSeed(99));
    assertThat(sum[0] + one[0]).as("an 18th summand wraps around").isNegative();
    assertThatThrownBy(() -> q.checkCapacity(18))
        .isInstanceOf(QuantizationOverflowException.class)
        .hasMessage("18 summands of 24-bit values with 4-bit weights can overflow 32-bit words: at most 17 fit");
  }

  @Test
  void documentedExampleCapacities() {
    assertThat(new Quantizer(1, 16, 8, Modulus.BITS_32).maxSummands()).isEqualTo(257);
    assertThat(new Quantizer(1, 16, 8, Modulus.BITS_64).maxSummands()).isGreaterThan(1_000_000_000_000L);
    assertThatThrownBy(() -> new Quantizer(1, 31, 8, Modulus.BITS_32))
        .isInstanceOf(QuantizationOverflowException.class).hasMessageContaining("already overflows");
  }

  @Test
  void refusesNaNInfinityAndValuesOutsideTheRange() {
    Quantizer q = new Quantizer(1.0, 16, 0, Modulus.BITS_32);
    SimulationRandom r = SimulationRandom.fromSeed(1);

    assertThatThrownBy(() -> q.quantize(new float[] {0, 0.5f, Float.NaN}, r))
        .isInstanceOf(InvalidVectorException.class).hasMessage("value at index 2 is NaN");
    assertThatThrownBy(() -> q.quantize(new float[] {Float.NEGATIVE_INFINITY}, r))
        .isInstanceOf(InvalidVectorException.class).hasMessage("value at index 0 is an infinity");
    assertThatThrownBy(() -> q.quantize(new float[] {0, 1.0001f}, r))
        .isInstanceOf(InvalidVectorException.class).hasMessage("value at index 1 is 1.0001, outside [-1.0, 1.0]");
    float[] long_ = new float[70_000];
    long_[40_001] = -7f; // in the third block of rounding bits: still named exactly
    assertThatThrownBy(() -> q.quantize(long_, r))
        .isInstanceOf(InvalidVectorException.class).hasMessage("value at index 40001 is -7.0, outside [-1.0, 1.0]");
    Quantizer wide = new Quantizer(1.0, 30, 0, Modulus.BITS_64);
    assertThatThrownBy(() -> wide.quantizeWide(new float[] {Float.NaN}, 1, r)).isInstanceOf(InvalidVectorException.class);
  }

  @Test
  void refusesBadParametersAndMisuse() {
    assertThatThrownBy(() -> new Quantizer(0, 16, 0, Modulus.BITS_32)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Quantizer(Double.NaN, 16, 0, Modulus.BITS_32)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Quantizer(1, 32, 0, Modulus.BITS_32))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("valueBits must be in [2, 31] for 32-bit words, got 32");
    assertThatThrownBy(() -> new Quantizer(1, 50, 8, Modulus.BITS_64)).isInstanceOf(IllegalArgumentException.class);
    Quantizer q = new Quantizer(1, 16, 8, Modulus.BITS_32);
    SimulationRandom r = SimulationRandom.fromSeed(1);
    assertThatThrownBy(() -> q.quantize(new float[1], 256, r))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weight must be in [0, 255], got 256");
    assertThatThrownBy(() -> q.quantizeWide(new float[1], 1, r)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> q.checkCapacity(-1)).isInstanceOf(QuantizationOverflowException.class);
  }

  @Test
  void atTheWidestAllowedPrecisionEachEncodingStaysWithinTheStatedBound() {
    // 64-bit words at valueBits + weightBits = 49: |x w scale| reaches 2^52, where a double's ulp is
    // large enough that the product's rounding shows; the stated bound must still hold for one encoding.
    Quantizer q = new Quantizer(7.3, 45, 4, Modulus.BITS_64);
    Random data = new Random(45);
    float[] x = new float[20_000];
    for (int i = 0; i < x.length; i++) {
      float edge = Math.nextDown(7.3f); // (float) 7.3 is just above the double 7.3, so out of range
      x[i] = i < 2 ? (i == 0 ? edge : -edge) : (float) (data.nextDouble() * 14.6 - 7.3);
    }
    double[] decoded = q.decodeWide(q.quantizeWide(x, 15, SimulationRandom.fromSeed(3)), 1);
    for (int i = 0; i < x.length; i++) {
      assertThat(Math.abs(decoded[i] - (double) x[i] * 15)).as("index %d", i).isLessThan(q.sumErrorBound(1));
    }
    assertThatThrownBy(() -> new Quantizer(7.3, 46, 4, Modulus.BITS_64))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("valueBits + weightBits <= 49");
  }

  @Test
  void refusesScalesAndDivisorsThatCannotDecode() {
    assertThatThrownBy(() -> new Quantizer(1e-310, 16, 8, Modulus.BITS_32))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small");
    Quantizer q = new Quantizer(1, 16, 8, Modulus.BITS_32);
    for (double divisor : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> q.decode(new int[] {5}, divisor))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("divisor must be finite and positive");
    }
  }

  @Test
  void zeroWeightContributesNothing() {
    Quantizer q = new Quantizer(1, 16, 8, Modulus.BITS_32);
    assertThat(q.quantize(new float[] {1f, -1f, 0.3f}, 0, SimulationRandom.fromSeed(2))).containsOnly(0);
  }
}
