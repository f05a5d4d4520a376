package io.fedmesh.crypto.ddg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.noise.DiscreteGaussian;
import io.fedmesh.crypto.noise.UniformIntegers;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.proto.v1.DdgEncoding;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DdgMechanismTest {
  static final byte[] SEED = new byte[32];

  static {
    SEED[0] = 7;
  }

  static DdgSpec spec(int bits, double gamma, double beta, double clip, DiscreteGaussian noise, int length) {
    return new DdgSpec(bits, gamma, beta, clip, noise, RandomizedHadamard.paddedDimension(length), SEED, 10);
  }

  static float[] clipped(Random r, int length, double norm) {
    float[] x = new float[length];
    double s = 0;
    for (int i = 0; i < length; i++) {
      x[i] = (float) r.nextGaussian();
      s += x[i] * x[i];
    }
    double f = norm / Math.sqrt(s) * (1 - 1e-6);
    for (int i = 0; i < length; i++) {
      x[i] = (float) (x[i] * f);
    }
    return x;
  }

  @Test
  void theRotationIsOrthonormalAndUndoneExactlyEnough() {
    float[] x = clipped(new Random(1), 300, 5);
    double[] y = RandomizedHadamard.rotate(x, 512, SEED);
    assertThat(y).hasSize(512);
    assertThat(Math.sqrt(Arrays.stream(y).map(v -> v * v).sum())).isCloseTo(5, org.assertj.core.data.Offset.offset(1e-4));
    double[] back = RandomizedHadamard.unrotate(y, 300, SEED);
    for (int i = 0; i < 300; i++) {
      assertThat(back[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-9));
    }
    // The rotation spreads a spike: no coordinate keeps more than a few times its fair share.
    float[] spike = new float[300];
    spike[17] = 5;
    double[] spread = RandomizedHadamard.rotate(spike, 512, SEED);
    assertThat(Arrays.stream(spread).map(Math::abs).max().getAsDouble()).isCloseTo(5 / Math.sqrt(512), org.assertj.core.data.Offset.offset(1e-9));
    byte[] other = SEED.clone();
    other[1] = 1;
    assertThat(RandomizedHadamard.rotate(x, 512, other)).isNotEqualTo(y);
  }

  @Test
  void paddedDimensionIsTheNextPowerOfTwo() {
    assertThat(RandomizedHadamard.paddedDimension(1)).isEqualTo(1);
    assertThat(RandomizedHadamard.paddedDimension(2)).isEqualTo(2);
    assertThat(RandomizedHadamard.paddedDimension(3)).isEqualTo(4);
    assertThat(RandomizedHadamard.paddedDimension(1024)).isEqualTo(1024);
    assertThat(RandomizedHadamard.paddedDimension(1025)).isEqualTo(2048);
    assertThatThrownBy(() -> RandomizedHadamard.paddedDimension(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void roundingIsUnbiasedAndNeverOverTheBound() {
    UniformIntegers random = new UniformIntegers(SimulationRandom.fromSeed(3));
    double[] y = {0.25, -1.75, 3.5, 0, 10.125};
    double[] mean = new double[y.length];
    int n = 20_000;
    for (int t = 0; t < n; t++) {
      long[] r = ConditionalRounding.round(y, 1e9, random, 1);
      for (int i = 0; i < y.length; i++) {
        assertThat(r[i]).isBetween((long) Math.floor(y[i]), (long) Math.ceil(y[i]));
        mean[i] += r[i] / (double) n;
      }
    }
    for (int i = 0; i < y.length; i++) {
      assertThat(mean[i]).as("coordinate " + i).isCloseTo(y[i], org.assertj.core.data.Offset.offset(0.02));
    }
    // A tight bound: every accepted rounding is within it, and an impossible one fails in the tries allowed.
    double[] half = new double[64];
    Arrays.fill(half, 0.5);
    double bound = Math.sqrt(30);
    for (int t = 0; t < 200; t++) {
      long[] r = ConditionalRounding.round(half, bound, random, 1000);
      assertThat(ConditionalRounding.squaredNorm(r)).isLessThanOrEqualTo(BigInteger.valueOf(30));
    }
    assertThatThrownBy(() -> ConditionalRounding.round(half, 1, random, 50))
        .isInstanceOf(ConditionalRounding.NormBoundUnreachableException.class);
    assertThatThrownBy(() -> ConditionalRounding.round(new double[] {Double.NaN}, 1, random, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void squaredNormIsExactForLargeValues() {
    long big = 3_000_000_000L;
    assertThat(ConditionalRounding.squaredNorm(new long[] {big, -big, 5}))
        .isEqualTo(BigInteger.valueOf(big).pow(2).multiply(BigInteger.TWO).add(BigInteger.valueOf(25)));
    long[] many = new long[10];
    Arrays.fill(many, (1L << 31) - 1);
    assertThat(ConditionalRounding.squaredNorm(many)).isEqualTo(BigInteger.valueOf((1L << 31) - 1).pow(2).multiply(BigInteger.TEN));
  }

  @Test
  void aSumOfEncodingsDecodesToTheSumOfUpdatesPlusNoiseOfTheRightSize() {
    int length = 200;
    int clients = 20;
    double clip = 1;
    double gamma = 1e-4;
    long variance = 400; // integer units: the sum's noise has standard deviation sqrt(20 * 400) gamma = 0.0089
    DdgSpec spec = spec(32, gamma, Math.exp(-0.5), clip, DiscreteGaussian.ofVariance(variance, 1), length);
    Random r = new Random(5);
    int[] sum = new int[spec.paddedDimension()];
    double[] truth = new double[length];
    for (int c = 0; c < clients; c++) {
      float[] x = clipped(r, length, clip);
      int[] e = DdgEncoder.encode(x, spec, SimulationRandom.fromSeed(100 + c));
      for (int i = 0; i < sum.length; i++) {
        sum[i] += e[i];
      }
      for (int i = 0; i < length; i++) {
        truth[i] += x[i];
      }
    }
    double[] decoded = DdgDecoder.decode(sum, spec, length);
    double sq = 0;
    for (int i = 0; i < length; i++) {
      double err = decoded[i] - truth[i];
      sq += err * err;
    }
    double mse = sq / length;
    // Noise variance per coordinate: clients * variance * gamma^2 (the rotation keeps it), plus rounding
    // (at most clients / 4 steps^2): 3.2e-5 + 5e-8.
    double expected = clients * variance * gamma * gamma;
    assertThat(mse).isBetween(expected * 0.7, expected * 1.35);
  }

  @Test
  void aSmallModulusWrapsButDecodesWhileTheSumFits() {
    int length = 50;
    // 16 bits: the centred interval is [-32768, 32768) steps; with gamma 1e-3 that is +-32.8, far above
    // a sum of 10 clipped updates (norm 1 each) plus small noise.
    DdgSpec spec = spec(16, 1e-3, 0, 1, DiscreteGaussian.ofVariance(4, 1), length);
    Random r = new Random(9);
    int[] sum = new int[spec.paddedDimension()];
    double[] truth = new double[length];
    for (int c = 0; c < 10; c++) {
      float[] x = clipped(r, length, 1);
      int[] e = DdgEncoder.encode(x, spec, SimulationRandom.fromSeed(c));
      for (int i = 0; i < e.length; i++) {
        assertThat(e[i] & 0xFFFF_FFFFL).isLessThan(1L << 16);
        sum[i] += e[i];
      }
      for (int i = 0; i < length; i++) {
        truth[i] += x[i];
      }
    }
    double[] decoded = DdgDecoder.decode(sum, spec, length);
    for (int i = 0; i < length; i++) {
      // noise std sqrt(10 * 4) 1e-3 = 0.0063; rounding at most 10 steps of 1e-3 in the rotated basis
      assertThat(decoded[i]).isCloseTo(truth[i], org.assertj.core.data.Offset.offset(0.05));
    }
    // Too coarse a modulus for the sum: 4 bits hold +-8 steps of 1e-3; the decoded sum is then wrong,
    // which is why the planner sizes bits and gamma together.
    DdgSpec tiny = new DdgSpec(4, 1e-3, 0, 1, DiscreteGaussian.ofVariance(4, 1), spec.paddedDimension(), SEED, 10);
    int[] e = DdgEncoder.encode(clipped(new Random(2), length, 1), tiny, SimulationRandom.fromSeed(1));
    assertThat(Arrays.stream(e).allMatch(v -> v >= 0 && v < 16)).isTrue();
  }

  @Test
  void encodingRefusesUpdatesThatAreNotClippedOrNotFinite() {
    DdgSpec spec = spec(32, 1e-4, 0, 1, DiscreteGaussian.ofVariance(1, 1), 8);
    float[] big = new float[8];
    big[0] = 1.01f;
    assertThatThrownBy(() -> DdgEncoder.encode(big, spec, SimulationRandom.fromSeed(1))).hasMessageContaining("above the clip norm");
    float[] nan = new float[8];
    nan[3] = Float.NaN;
    assertThatThrownBy(() -> DdgEncoder.encode(nan, spec, SimulationRandom.fromSeed(1))).hasMessageContaining("at 3 is NaN");
  }

  @Test
  void anUpdateAFewUlpsOverTheClipStillEncodesWithThirtyTwoBitWords() {
    // c / gamma = 2^28: the rounding bound's margin on ||y||^2 is about c / gamma, a relative 4e-9, below
    // float clipping's error; the encoder clips again in double so such updates still round within it.
    int length = 25_450;
    DdgSpec spec = new DdgSpec(32, 0x1p-28, Math.exp(-0.5), 1, DiscreteGaussian.ofVariance(1_000_000, 1),
        RandomizedHadamard.paddedDimension(length), SEED, 10);
    float[] x = clipped(new Random(4), length, 1);
    for (int i = 0; i < length; i++) {
      x[i] *= 1 + 5e-6f; // norm about 1 + 4e-6: inside the slack, over the clip
    }
    int[] e = DdgEncoder.encode(x, spec, SimulationRandom.fromSeed(8));
    assertThat(e).hasSize(spec.paddedDimension());
  }

  @Test
  void theNormBoundIsThePapersAndNeverAboveTheAlwaysBound() {
    DdgSpec always = spec(32, 0.01, 0, 1, DiscreteGaussian.ofVariance(1, 1), 100);
    assertThat(always.normBound()).isEqualTo(100 + Math.sqrt(128));
    DdgSpec likely = spec(32, 0.01, Math.exp(-0.5), 1, DiscreteGaussian.ofVariance(1, 1), 100);
    // c/gamma = 100, d = 128: sqrt(100^2 + 32 + 1 * (100 + sqrt(128)/2))
    assertThat(likely.normBound()).isCloseTo(Math.sqrt(10_000 + 32 + 100 + Math.sqrt(128) / 2), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(likely.normBound()).isLessThan(always.normBound());
  }

  @Test
  void aPlanFromTheWireIsCheckedFieldByField() {
    DdgSpec good = spec(20, 1e-3, 0.1, 1, DiscreteGaussian.ofVarianceAtLeast(12.5), 100);
    DdgEncoding wire = good.toProto();
    assertThat(DdgSpec.fromProto(wire, 100)).isEqualTo(good);
    assertThatThrownBy(() -> DdgSpec.fromProto(wire, 1000)).hasMessageContaining("not the power of two");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setBits(33).build(), 100)).hasMessageContaining("bits");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setGamma(Double.NaN).build(), 100)).hasMessageContaining("gamma");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setBeta(1).build(), 100)).hasMessageContaining("beta");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setNoiseVarianceNumerator(0).build(), 100)).hasMessageContaining("variance");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setNoiseVarianceDenominator(0).build(), 100)).hasMessageContaining("variance");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setRotationSeed(com.google.protobuf.ByteString.copyFrom(new byte[31])).build(), 100))
        .hasMessageContaining("seed");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setHonestSurvivors(0).build(), 100)).hasMessageContaining("honest");
    assertThatThrownBy(() -> DdgSpec.fromProto(wire.toBuilder().setGamma(1e-300).build(), 100)).hasMessageContaining("clip / gamma");
    // Rounding the variance up, never down.
    assertThat(good.noiseVariance()).isGreaterThanOrEqualTo(12.5);
    assertThat(DiscreteGaussian.ofVarianceAtLeast(1.0 / 3).varianceNumerator().doubleValue()
        / DiscreteGaussian.ofVarianceAtLeast(1.0 / 3).varianceDenominator().doubleValue()).isGreaterThanOrEqualTo(1.0 / 3);
    assertThat(DiscreteGaussian.ofVarianceAtLeast(1e17).varianceNumerator().bitLength()).isLessThan(63);
  }
}
