package io.fedmesh.crypto.secagg.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.crypto.secagg.shared.ParameterFinder.Result;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayDeque;
import org.junit.jupiter.api.Test;

class ParameterFinderTest {
  private static final double NEG_INF = Double.NEGATIVE_INFINITY;

  // ---- exact reference values ----

  /** C(a, 0..max), exactly. */
  private static BigInteger[] binomials(int a, int max) {
    BigInteger[] c = new BigInteger[max + 1];
    c[0] = BigInteger.ONE;
    for (int j = 1; j <= max; j++) {
      c[j] = j > a ? BigInteger.ZERO : c[j - 1].multiply(BigInteger.valueOf(a - j + 1)).divide(BigInteger.valueOf(j));
    }
    return c;
  }

  /** P[X >= a] for a = 0 .. draws + 1, X ~ Hyp(population, marked, draws), exactly, to 40 digits. */
  private static BigDecimal[] exactTails(int population, int marked, int draws) {
    BigInteger[] fromMarked = binomials(marked, draws);
    BigInteger[] fromOthers = binomials(population - marked, draws);
    BigDecimal all = new BigDecimal(binomials(population, draws)[draws]);
    BigDecimal[] tails = new BigDecimal[draws + 2];
    BigInteger sum = BigInteger.ZERO;
    tails[draws + 1] = BigDecimal.ZERO;
    for (int x = draws; x >= 0; x--) {
      sum = sum.add(fromMarked[x].multiply(fromOthers[draws - x]));
      tails[x] = new BigDecimal(sum).divide(all, new MathContext(40));
    }
    return tails;
  }

  private static double log2(BigDecimal p) {
    if (p.signum() == 0) {
      return NEG_INF;
    }
    BigDecimal r = p.round(new MathContext(30));
    int digits = r.unscaledValue().bitLength();
    int shift = Math.max(0, digits - 60);
    double mantissa = r.unscaledValue().shiftRight(shift).doubleValue();
    return (Math.log(mantissa) - r.scale() * Math.log(10)) / Math.log(2) + shift;
  }

  @Test
  void tailsMatchExactSumsForEverySmallPopulation() {
    for (int population = 1; population <= 16; population++) {
      for (int marked = 0; marked <= population; marked++) {
        for (int draws = 0; draws <= population; draws++) {
          BigDecimal[] tails = exactTails(population, marked, draws);
          for (int a = 0; a <= draws + 1; a++) {
            double expected = log2(tails[a]);
            double actual = ParameterFinder.log2UpperTail(population, marked, draws, a);
            if (expected == NEG_INF) {
              assertThat(actual).as("Hyp(%d,%d,%d) >= %d", population, marked, draws, a).isEqualTo(NEG_INF);
            } else {
              assertThat(actual).as("Hyp(%d,%d,%d) >= %d", population, marked, draws, a)
                  .isCloseTo(expected, within(1e-9));
            }
          }
        }
      }
    }
  }

  @Test
  void tailsMatchExactSumsFarIntoTheTailOfLargePopulations() {
    int[][] cases = {{2999, 150, 200}, {9999, 1000, 60}, {99_999, 5000, 40}, {4000, 3990, 500}};
    for (int[] c : cases) {
      BigDecimal[] tails = exactTails(c[0], c[1], c[2]);
      for (int a = 0; a <= Math.min(c[1], c[2]) + 1; a++) {
        double expected = log2(tails[a]);
        double actual = ParameterFinder.log2UpperTail(c[0], c[1], c[2], a);
        assertThat(actual).as("Hyp(%d,%d,%d) >= %d", c[0], c[1], c[2], a)
            .isCloseTo(expected, within(1e-8 * Math.max(1, Math.abs(expected))));
      }
    }
  }

  @Test
  void logFactorialIsSmoothAcrossTheTableBoundary() {
    double sum = 0;
    for (int m = 1; m <= 5000; m++) {
      sum += Math.log(m);
      if (m >= 1000) {
        assertThat(ParameterFinder.logFactorial(m)).isCloseTo(sum, within(sum * 1e-13));
      }
    }
  }

  // ---- the union bounds against exhaustive enumeration on small rings ----

  private static int ringDistance(int a, int b, int n) {
    int d = Math.abs(a - b);
    return Math.min(d, n - d);
  }

  private static boolean neighbours(int a, int b, int n, int k) {
    return a != b && (k >= n - 1 || ringDistance(a, b, n) <= k / 2);
  }

  private static int countIn(int client, int set, int n, int k) {
    int count = 0;
    for (int j = 0; j < n; j++) {
      if ((set >> j & 1) != 0 && neighbours(client, j, n, k)) {
        count++;
      }
    }
    return count;
  }

  private static boolean survivorsDisconnected(int bad, int n, int k) {
    int good = ~bad & ((1 << n) - 1);
    if (Integer.bitCount(good) < 2) {
      return false;
    }
    int start = Integer.numberOfTrailingZeros(good);
    int seen = 1 << start;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    queue.add(start);
    while (!queue.isEmpty()) {
      int a = queue.poll();
      for (int b = 0; b < n; b++) {
        if ((good >> b & 1) != 0 && (seen >> b & 1) == 0 && neighbours(a, b, n, k)) {
          seen |= 1 << b;
          queue.add(b);
        }
      }
    }
    return seen != good;
  }

  /** Every degree the engine accepts for n clients: even k below n - 1, and n - 1. */
  private static int[] degrees(int n) {
    return java.util.stream.IntStream.concat(
        java.util.stream.IntStream.iterate(2, k -> k < n - 1, k -> k + 2), java.util.stream.IntStream.of(n - 1))
        .toArray();
  }

  /**
   * The ring order is uniform, so fixing the ring and drawing the bad set uniformly gives the same
   * distribution: enumerate every bad set and compare the exact failure probability with the bound.
   */
  @Test
  void unionBoundsCoverExhaustiveEnumerationOnSmallRings() {
    for (int n = 3; n <= 10; n++) {
      for (int k : degrees(n)) {
        for (int size = 0; size < n; size++) {
          int total = 0;
          int disconnected = 0;
          int[] correctnessFailures = new int[k + 2];
          int[] shareFailures = new int[k + 2];
          int[] maliciousCorrectnessFailures = new int[k + 2];
          int[] maliciousShareFailures = new int[k + 2];
          for (int set = 0; set < 1 << n; set++) {
            if (Integer.bitCount(set) != size) {
              continue;
            }
            total++;
            if (survivorsDisconnected(set, n, k)) {
              disconnected++;
            }
            for (int t = 1; t <= k + 1; t++) {
              boolean lost = false;
              boolean leaked = false;
              boolean lostMalicious = false;
              boolean leakedMalicious = false;
              for (int i = 0; i < n; i++) {
                boolean inSet = (set >> i & 1) != 0;
                int inSetNeighbours = countIn(i, set, n, k);
                int liveHolders = k - inSetNeighbours + (inSet ? 0 : 1); // set = dropped clients
                lost |= liveHolders < t;
                leaked |= !inSet && inSetNeighbours >= t; // set = corrupt clients
                // A lying server: every answering client needs t live neighbours (confirmations), and
                // honest shareholders split between the two secrets, corrupt ones give both.
                lostMalicious |= k - inSetNeighbours < t;
                int honestHolders = k + 1 - inSetNeighbours;
                leakedMalicious |= !inSet && 2 * Math.max(0, t - inSetNeighbours) <= honestHolders;
              }
              correctnessFailures[t] += lost ? 1 : 0;
              shareFailures[t] += leaked ? 1 : 0;
              maliciousCorrectnessFailures[t] += lostMalicious ? 1 : 0;
              maliciousShareFailures[t] += leakedMalicious ? 1 : 0;
            }
          }
          double exactDisconnect = (double) disconnected / total;
          double bound = Math.pow(2, ParameterFinder.disconnectLog2(n, size, k));
          assertThat(exactDisconnect).as("disconnect n=%d k=%d bad=%d", n, k, size).isLessThanOrEqualTo(bound + 1e-12);
          if (size == k && k < n - 1) { // exactly two runs of k/2: the bound is exact
            assertThat(bound).isCloseTo(exactDisconnect, within(1e-12));
          }
          for (int t = 1; t <= k + 1; t++) {
            double lost = (double) correctnessFailures[t] / total;
            double leaked = (double) shareFailures[t] / total;
            assertThat(lost).as("correctness n=%d k=%d t=%d dropped=%d", n, k, t, size)
                .isLessThanOrEqualTo(Math.pow(2, ParameterFinder.correctnessLog2(n, size, k, t)) + 1e-12);
            assertThat(leaked).as("shares n=%d k=%d t=%d corrupt=%d", n, k, t, size)
                .isLessThanOrEqualTo(Math.pow(2, ParameterFinder.sharesLog2(n, size, k, t)) + 1e-12);
            var liar = ParameterFinder.Adversary.MALICIOUS_SERVER;
            assertThat((double) maliciousCorrectnessFailures[t] / total).as("malicious correctness n=%d k=%d t=%d", n, k, t)
                .isLessThanOrEqualTo(Math.pow(2, ParameterFinder.correctnessLog2(n, size, k, t, liar)) + 1e-12);
            assertThat((double) maliciousShareFailures[t] / total).as("malicious shares n=%d k=%d t=%d", n, k, t)
                .isLessThanOrEqualTo(Math.pow(2, ParameterFinder.sharesLog2(n, size, k, t, liar)) + 1e-12);
            if (k == n - 1) { // classic SecAgg: deterministic, and the bounds are exactly 0 or >= 1
              assertThat(ParameterFinder.correctnessLog2(n, size, k, t) == NEG_INF).isEqualTo(lost == 0);
              assertThat(ParameterFinder.sharesLog2(n, size, k, t) == NEG_INF).isEqualTo(leaked == 0);
            }
          }
        }
      }
    }
  }

  // ---- the search ----

  private static void assertMinimalAndWithinBounds(int n, double dropout, double corrupt) {
    Result r = ParameterFinder.find(n, dropout, corrupt);
    assertThat(r.correctnessFailureLog2()).isLessThanOrEqualTo(-ParameterFinder.DEFAULT_ETA);
    assertThat(r.securityFailureLog2()).isLessThanOrEqualTo(-ParameterFinder.DEFAULT_SIGMA);
    assertThat(r.threshold()).isBetween(1, r.neighbours() + 1);
    Result again = ParameterFinder.evaluate(n, r.neighbours(), r.threshold(), dropout, corrupt);
    assertThat(again).isEqualTo(r);
    if (r.threshold() <= r.neighbours()) { // t is the largest correct threshold
      assertThat(ParameterFinder.evaluate(n, r.neighbours(), r.threshold() + 1, dropout, corrupt)
          .correctnessFailureLog2()).isGreaterThan(-ParameterFinder.DEFAULT_ETA);
    }
    for (int k = 2; k < r.neighbours() && k < n - 1; k += 2) { // no smaller k works with any t
      for (int t = 1; t <= k + 1; t++) {
        Result smaller = ParameterFinder.evaluate(n, k, t, dropout, corrupt);
        assertThat(smaller.correctnessFailureLog2() > -ParameterFinder.DEFAULT_ETA
            || smaller.securityFailureLog2() > -ParameterFinder.DEFAULT_SIGMA)
            .as("n=%d k=%d t=%d should fail", n, k, t).isTrue();
      }
    }
  }

  @Test
  void findsTheSmallestDegreeAndTheLargestThresholdMeetingTheBounds() {
    for (int n : new int[] {10, 30, 100, 1000}) {
      assertMinimalAndWithinBounds(n, 0.1, 0.05);
      assertMinimalAndWithinBounds(n, 0.1, 0.0);
      assertMinimalAndWithinBounds(n, 0.3, 0.1);
    }
  }

  @Test
  void typicalCohortsGetDegreesFarBelowTheCompleteGraph() {
    Result hundred = ParameterFinder.find(100, 0.1, 0.05);
    Result thousand = ParameterFinder.find(1000, 0.1, 0.05);
    Result big = ParameterFinder.find(100_000, 0.1, 0.05);
    // n = 100: 5 corrupt and 10 dropped clients. k = 16 > 15 bad clients cannot be disconnected and
    // t = 8 > 5 corrupt shareholders, so privacy cannot fail at all; correctness is what limits t.
    assertThat(hundred).isEqualTo(new Result(16, 8, hundred.correctnessFailureLog2(), NEG_INF));
    assertThat(hundred.correctnessFailureLog2()).isBetween(-24.0, -20.0);
    assertThat(thousand.neighbours()).isEqualTo(34);
    assertThat(thousand.threshold()).isEqualTo(18);
    assertThat(thousand.securityFailureLog2()).isBetween(-45.0, -40.0);
    assertThat(big.neighbours()).isEqualTo(44);
    assertThat(big.threshold()).isEqualTo(23);
    Result noCorruption = ParameterFinder.find(1000, 0.1, 0.0);
    assertThat(noCorruption.neighbours()).isEqualTo(18);
    assertThat(noCorruption.threshold()).isEqualTo(7);
  }

  @Test
  void aMaliciousServerNeedsAThresholdAboveHalfTheShareholders() {
    var liar = ParameterFinder.Adversary.MALICIOUS_SERVER;
    for (int n : new int[] {20, 100, 1000}) {
      Result curious = ParameterFinder.find(n, 0.1, 0.05);
      Result malicious = ParameterFinder.find(n, 0.1, 0.05, liar);
      assertThat(2 * malicious.threshold()).as("n=%d", n).isGreaterThan(malicious.neighbours() + 1);
      assertThat(malicious.neighbours()).isGreaterThanOrEqualTo(curious.neighbours());
      assertThat(malicious.securityFailureLog2()).isLessThanOrEqualTo(-ParameterFinder.DEFAULT_SIGMA);
      assertThat(malicious.correctnessFailureLog2()).isLessThanOrEqualTo(-ParameterFinder.DEFAULT_ETA);
      assertThat(ParameterFinder.evaluate(n, malicious.neighbours(), malicious.threshold(), 0.1, 0.05, liar))
          .isEqualTo(malicious);
    }
    // The curious finder's n = 100 choice (k = 16, t = 8) lets a liar rebuild both secrets of a client
    // whose 17 shareholders include one corrupt client: refused, naming the cause.
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 16, 8, 0.1, 0.05, liar, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2t - k - 1 or more corrupt shareholders")
        .hasMessageContaining("the finder would choose k=");
    // n = 10, one dropout, two corrupt: k = 6, t = 5 makes every count certain: 2t - k - 1 = 3 > 2
    // corrupt shareholders, and k - t + 1 = 2 > 1 dropped neighbour (a survivor needs t confirmations).
    assertThat(ParameterFinder.find(10, 0.1, 0.2, liar)).isEqualTo(new Result(6, 5, NEG_INF, NEG_INF));
    // Classic SecAgg: 3 of 6 corrupt and none dropping needs t > (6 + 3) / 2, so t = 5 = n - 1.
    assertThat(ParameterFinder.find(6, 0.0, 0.5, liar)).isEqualTo(new Result(5, 5, NEG_INF, NEG_INF));
    assertThatThrownBy(() -> ParameterFinder.find(10, 0.3, 0.3, liar))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("against a malicious server");
  }

  @Test
  void smallCohortsFallBackToClassicSecAgg() {
    // n = 5 with one dropout and one corrupt client: k = 2 leaves the honest survivors disconnected
    // with probability 1/2, so only the complete graph works, with floor(0.2*5) = 1 < t <= 5 - 1.
    Result five = ParameterFinder.find(5, 0.2, 0.2);
    assertThat(five.neighbours()).isEqualTo(4);
    assertThat(five.threshold()).isEqualTo(4);
    assertThat(five.correctnessFailureLog2()).isEqualTo(NEG_INF);
    assertThat(five.securityFailureLog2()).isEqualTo(NEG_INF);
    assertThat(ParameterFinder.find(3, 0.1, 0.05)).isEqualTo(new Result(2, 3, NEG_INF, NEG_INF));
    assertThat(ParameterFinder.find(2, 0.0, 0.0)).isEqualTo(new Result(1, 2, NEG_INF, NEG_INF));
    // Classic SecAgg with 4 of 10 dropping and 4 corrupt: 4 < t <= 6, the largest is taken.
    assertThat(ParameterFinder.find(10, 0.45, 0.45)).isEqualTo(new Result(9, 6, NEG_INF, NEG_INF));
    // 3 of 10 dropping and 3 corrupt: k = 8 (each client misses one other) already makes every count
    // certain: at most 3 corrupt shareholders (t > 3), at least 6 live ones (t <= 6).
    assertThat(ParameterFinder.find(10, 0.3, 0.3)).isEqualTo(new Result(8, 6, NEG_INF, NEG_INF));
    // One tolerated dropout among 10 and no corrupt client (floor(0.5) = 0): k = 2, t = 2 is exact.
    assertThat(ParameterFinder.find(10, 0.1, 0.05)).isEqualTo(new Result(2, 2, NEG_INF, NEG_INF));
  }

  @Test
  void moreDropoutOrCorruptionNeverGivesASmallerDegree() {
    double[] fractions = {0.0, 0.02, 0.05, 0.1, 0.2, 0.3};
    for (int n : new int[] {12, 40, 100, 1000}) {
      int[][] k = new int[fractions.length][fractions.length];
      for (int i = 0; i < fractions.length; i++) {
        for (int j = 0; j < fractions.length; j++) {
          k[i][j] = ParameterFinder.find(n, fractions[i], fractions[j]).neighbours();
          if (i > 0) {
            assertThat(k[i][j]).as("n=%d more dropout", n).isGreaterThanOrEqualTo(k[i - 1][j]);
          }
          if (j > 0) {
            assertThat(k[i][j]).as("n=%d more corruption", n).isGreaterThanOrEqualTo(k[i][j - 1]);
          }
        }
      }
    }
  }

  // ---- manual parameters ----

  @Test
  void manualParametersBelowTheGuaranteesNeedTheInsecureFlag() {
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 2, 2, 0.1, 0.05, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k=2, t=2")
        .hasMessageContaining("correctness")
        .hasMessageContaining("connectivity")
        .hasMessageContaining("would choose k=16, t=8");
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 2, 2, 0.1, 0.0, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("correctness");
    Result insecure = ParameterFinder.checkManual(100, 2, 2, 0.1, 0.05, true);
    assertThat(insecure.correctnessFailureLog2()).isGreaterThan(-20);
    assertThat(insecure.securityFailureLog2()).isGreaterThan(-40);
    // A threshold too low for the corrupt clients is refused for security alone.
    assertThatThrownBy(() -> ParameterFinder.checkManual(1000, 200, 5, 0.1, 0.05, false))
        .hasMessageContaining("security")
        .hasMessageContaining("shares")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("correctness:"));
  }

  @Test
  void manualParametersMeetingTheGuaranteesAreAccepted() {
    Result found = ParameterFinder.find(1000, 0.1, 0.05);
    assertThat(ParameterFinder.checkManual(1000, found.neighbours(), found.threshold(), 0.1, 0.05, false))
        .isEqualTo(found);
    assertThat(ParameterFinder.checkManual(100, 99, 60, 0.1, 0.05, false).securityFailureLog2()).isEqualTo(NEG_INF);
  }

  @Test
  void malformedManualParametersAreRefusedEvenWhenInsecureIsAllowed() {
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 3, 2, 0.1, 0.05, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("even");
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 100, 2, 0.1, 0.05, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 4, 6, 0.1, 0.05, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
    assertThatThrownBy(() -> ParameterFinder.checkManual(100, 4, 0, 0.1, 0.05, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- bad arguments ----

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> ParameterFinder.find(1, 0.1, 0.05)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(0, 0.1, 0.05)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, -0.1, 0.05)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, 1.0, 0.05)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, Double.NaN, 0.05)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, 0.1, 1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, 0.1, -0.01)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, 0.1, 0.05, 0, 20)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, 0.1, 0.05, -40, 20)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.find(100, 0.1, 0.05, 40, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ParameterFinder.checkManual(1, 0, 1, 0.1, 0.05, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requirementsNoGraphCanMeetAreRefusedWithTheReason() {
    assertThatThrownBy(() -> ParameterFinder.find(10, 0.5, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not even classic SecAgg")
        .hasMessageContaining("t <= n - floor(dropout*n) = 5")
        .hasMessageContaining("t > floor(corrupt*n) = 5");
  }
  /**
   * The cut term bounds what it claims: over every placement of C corrupt clients on small rings, the
   * fraction with two disjoint runs of k/2 positions each holding t - k/2 corrupt clients (what a lying
   * server needs to split the survivors) stays below 2^cutLog2.
   */
  @Test
  void theCutTermCoversEveryPlacementOfCorruptClientsOnSmallRings() {
    int[][] cases = {{12, 4, 3, 2}, {12, 4, 3, 4}, {14, 6, 4, 4}, {16, 6, 5, 6}, {16, 8, 5, 4}};
    for (int[] c : cases) {
      int n = c[0], k = c[1], t = c[2], corrupt = c[3];
      int half = k / 2, need = t - half;
      long splittable = 0, all = 0;
      for (int mask = 0; mask < 1 << n; mask++) {
        if (Integer.bitCount(mask) != corrupt) {
          continue;
        }
        all++;
        boolean found = false;
        for (int p = 0; p < n && !found; p++) {
          for (int q = 0; q < n && !found; q++) {
            int gap = (q - p + n) % n;
            boolean disjoint = gap >= half && n - gap >= half;
            found = disjoint && corruptIn(mask, p, half, n) >= need && corruptIn(mask, q, half, n) >= need;
          }
        }
        splittable += found ? 1 : 0;
      }
      double bound = Math.pow(2, ParameterFinder.cutLog2(n, corrupt, k, t));
      assertThat((double) splittable / all).as("n=%d k=%d t=%d C=%d", n, k, t, corrupt).isLessThanOrEqualTo(bound);
      assertThat(ParameterFinder.cutLog2(n, 0, k, t)).isEqualTo(Double.NEGATIVE_INFINITY);
    }
  }

  private static int corruptIn(int mask, int from, int width, int n) {
    int count = 0;
    for (int i = 0; i < width; i++) {
      count += (mask >> ((from + i) % n)) & 1;
    }
    return count;
  }
}
