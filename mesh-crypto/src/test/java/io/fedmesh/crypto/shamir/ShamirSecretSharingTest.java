package io.fedmesh.crypto.shamir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidShareException;
import io.fedmesh.crypto.random.SimulationRandom;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShamirSecretSharingTest {

  @Test
  void theFieldModulusIsPrimeAndEveryPieceFitsBelowIt() {
    assertThat(BigInteger.valueOf(PrimeField.P).isProbablePrime(64)).isTrue();
    assertThat(PrimeField.P).isEqualTo(2147483659L).isGreaterThan(1L << 31);
    assertThat(ShamirSecretSharing.PIECES).isEqualTo(9);
  }

  @ParameterizedTest(name = "t={0} of k={1}")
  @CsvSource({"1,1", "1,4", "2,3", "3,5", "4,7", "7,7"})
  void everyThresholdSubsetReconstructs(int t, int k) {
    SimulationRandom random = SimulationRandom.fromSeed(100L * t + k);
    for (byte[] secret : List.of(secret(random), new byte[32], allOnes())) {
      List<ShamirShare> shares = ShamirSecretSharing.split(secret, t, k, random);
      for (List<ShamirShare> subset : subsets(shares, t)) {
        List<ShamirShare> shuffled = new ArrayList<>(subset);
        Collections.reverse(shuffled); // order of shares must not matter
        assertThat(ShamirSecretSharing.reconstruct(shuffled, t)).isEqualTo(secret);
      }
    }
  }

  @Test
  void sharesAtChosenIndicesReconstruct() {
    SimulationRandom random = SimulationRandom.fromSeed(4);
    byte[] secret = secret(random);
    int[] indices = {17, 3, ShamirSecretSharing.MAX_INDEX, 1000};

    List<ShamirShare> shares = ShamirSecretSharing.split(secret, 2, indices, random);

    assertThat(shares).extracting(ShamirShare::index).containsExactly(17, 3, ShamirSecretSharing.MAX_INDEX, 1000);
    assertThat(ShamirSecretSharing.reconstruct(List.of(shares.get(2), shares.get(3)), 2)).isEqualTo(secret);
  }

  @Test
  void fewerThanThresholdSharesAreUniformWhateverTheSecret() {
    // Two shares of a 3-of-5 sharing: their joint distribution must not depend on the secret. Bucket
    // the pair (top 2 bits of piece 0 of share 1, same of share 2) into 16 cells; with uniform shares a
    // chi-square statistic over 16 cells stays below 37.7 (df 15, p = 0.001). A sharing that leaked the
    // secret (say, coefficients not random) would fail for at least one of the two secrets.
    for (byte[] secret : List.of(new byte[32], allOnes())) {
      SimulationRandom random = SimulationRandom.fromSeed(Arrays.hashCode(secret));
      int samples = 16_000;
      int[] cells = new int[16];
      for (int i = 0; i < samples; i++) {
        List<ShamirShare> shares = ShamirSecretSharing.split(secret, 3, 5, random);
        int a = (int) (shares.get(0).value(0) * 4 / PrimeField.P);
        int b = (int) (shares.get(1).value(0) * 4 / PrimeField.P);
        cells[a * 4 + b]++;
      }
      double expected = samples / 16.0;
      double chiSquare = Arrays.stream(cells).mapToDouble(c -> (c - expected) * (c - expected) / expected).sum();
      assertThat(chiSquare).as("chi-square for secret %s", secret[0]).isLessThan(37.7);
    }
  }

  @Test
  void anyThresholdMinusOneSharesFitEverySecret() {
    // Algebraic form of the same property: for t-1 shares of secret A and any other secret B, the
    // polynomial through (0, B) and those shares exists, so the shares rule out no secret.
    SimulationRandom random = SimulationRandom.fromSeed(8);
    List<ShamirShare> shares = ShamirSecretSharing.split(secret(random), 3, 5, random);
    byte[] other = secret(random);
    long[] otherPieces = ShamirSecretSharing.toPieces(other);

    for (int piece = 0; piece < ShamirSecretSharing.PIECES; piece++) {
      // Interpolate through (0, B), (x1, y1), (x2, y2); evaluate at x1 and x2: must give y1 and y2 back.
      long[] xs = {0, shares.get(0).index(), shares.get(1).index()};
      long[] ys = {otherPieces[piece], shares.get(0).value(piece), shares.get(1).value(piece)};
      for (int k = 1; k < 3; k++) {
        assertThat(lagrange(xs, ys, xs[k])).isEqualTo(ys[k]);
      }
    }
  }

  @Test
  void refusesBadShareSets() {
    SimulationRandom random = SimulationRandom.fromSeed(5);
    List<ShamirShare> shares = ShamirSecretSharing.split(secret(random), 3, 5, random);

    assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(shares.subList(0, 2), 3))
        .isInstanceOf(InvalidShareException.class).hasMessage("need 3 shares to reconstruct, got 2");
    assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(List.of(shares.get(0), shares.get(1), shares.get(0)), 3))
        .isInstanceOf(InvalidShareException.class).hasMessage("share index 1 appears twice");
    assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(
            List.of(shares.get(0), shares.get(1), new ShamirShare(0, shares.get(2).values())), 3))
        .isInstanceOf(InvalidShareException.class).hasMessageContaining("share index 0 is outside");
    long[] outside = shares.get(2).values();
    outside[4] = PrimeField.P;
    assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(
            List.of(shares.get(0), shares.get(1), new ShamirShare(3, outside)), 3))
        .isInstanceOf(InvalidShareException.class).hasMessageContaining("outside the field");
    assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(
            List.of(shares.get(0), shares.get(1), new ShamirShare(3, new long[8])), 3))
        .isInstanceOf(InvalidShareException.class).hasMessageContaining("has 8 pieces, expected 9");
  }

  @Test
  void sharesOfDifferentSecretsDoNotPassAsOne() {
    SimulationRandom random = SimulationRandom.fromSeed(6);
    List<ShamirShare> a = ShamirSecretSharing.split(allOnes(), 2, 3, random);
    List<ShamirShare> b = ShamirSecretSharing.split(allOnes(), 2, 3, random);

    // The last piece holds only 8 bits; mixing two polynomials lands outside them (here, and with
    // probability 1 - 256/p in general). Commitments (SecAgg+ malicious issue) make this a certainty.
    assertThatThrownBy(() -> ShamirSecretSharing.reconstruct(List.of(a.get(0), b.get(1)), 2))
        .isInstanceOf(InvalidShareException.class).hasMessageContaining("different secrets or were altered");
  }

  @Test
  void refusesBadSplitArguments() {
    SimulationRandom random = SimulationRandom.fromSeed(7);
    assertThatThrownBy(() -> ShamirSecretSharing.split(new byte[31], 2, 3, random))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("secret must be 32 bytes, got 31");
    assertThatThrownBy(() -> ShamirSecretSharing.split(new byte[32], 4, 3, random))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("threshold must be in [1, 3], got 4");
    assertThatThrownBy(() -> ShamirSecretSharing.split(new byte[32], 2, new int[] {1, 2, 2}, random))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("share index 2 appears twice");
    assertThatThrownBy(() -> ShamirSecretSharing.split(new byte[32], 2, new int[] {1, -5}, random))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
  }

  @Test
  void piecesRoundTripEverySecret() {
    SimulationRandom random = SimulationRandom.fromSeed(12);
    for (int i = 0; i < 200; i++) {
      byte[] secret = secret(random);
      assertThat(ShamirSecretSharing.fromPieces(ShamirSecretSharing.toPieces(secret))).isEqualTo(secret);
    }
    assertThat(ShamirShare.class.getSimpleName()).isEqualTo("ShamirShare");
    assertThat(new ShamirShare(4, new long[9]).toString()).isEqualTo("ShamirShare[index=4]");
  }

  private static long lagrange(long[] xs, long[] ys, long at) {
    long acc = 0;
    for (int i = 0; i < xs.length; i++) {
      long term = ys[i];
      for (int j = 0; j < xs.length; j++) {
        if (j != i) {
          long num = PrimeField.sub(at % PrimeField.P, xs[j]);
          long den = PrimeField.sub(xs[i], xs[j]);
          term = PrimeField.mul(term, PrimeField.mul(num, PrimeField.inverse(den)));
        }
      }
      acc = PrimeField.add(acc, term);
    }
    return acc;
  }

  private static List<List<ShamirShare>> subsets(List<ShamirShare> all, int size) {
    List<List<ShamirShare>> out = new ArrayList<>();
    for (int mask = 0; mask < 1 << all.size(); mask++) {
      if (Integer.bitCount(mask) == size) {
        List<ShamirShare> subset = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
          if ((mask >> i & 1) != 0) {
            subset.add(all.get(i));
          }
        }
        out.add(subset);
      }
    }
    return out;
  }

  private static byte[] secret(SimulationRandom random) {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return s;
  }

  private static byte[] allOnes() {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) 0xff);
    return s;
  }
}
