package io.fedmesh.crypto.secagg;

import static io.fedmesh.crypto.secagg.SecAggFixtures.integerUpdates;
import static io.fedmesh.crypto.secagg.SecAggFixtures.params;
import static io.fedmesh.crypto.secagg.SecAggFixtures.weights;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.InProcessRound.Dropouts;
import io.fedmesh.crypto.secagg.InProcessRound.Outcome;
import io.fedmesh.crypto.secagg.server.SecAggResult;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whole rounds in process: the unmasked sum is exactly the plaintext sum of the survivors. */
class SecAggRoundTest {

  static Stream<Arguments> roundsThatSucceed() {
    return Stream.of(
        // n, k, t, dropouts by phase, partial uploads
        Arguments.of(3, 2, 2, Map.of(), Set.of()),
        Arguments.of(5, 4, 3, Map.of(), Set.of()),
        Arguments.of(10, 4, 3, Map.of(), Set.of()),
        Arguments.of(10, 9, 6, Map.of(0, Phase.ADVERTISE_KEYS, 3, Phase.SHARE_KEYS, 5, Phase.MASKED_INPUT, 8, Phase.UNMASKING), Set.of()),
        Arguments.of(12, 6, 4, Map.of(1, Phase.MASKED_INPUT, 2, Phase.MASKED_INPUT), Set.of(7)),
        Arguments.of(12, 6, 4, Map.of(4, Phase.UNMASKING, 9, Phase.UNMASKING), Set.of()),
        Arguments.of(20, 8, 3, Map.of(0, Phase.SHARE_KEYS, 19, Phase.ADVERTISE_KEYS, 10, Phase.MASKED_INPUT,
            11, Phase.MASKED_INPUT, 12, Phase.UNMASKING), Set.of(13)),
        // Edge of the threshold: t = k + 1, every shareholder of every secret is needed, and all stay.
        Arguments.of(7, 6, 7, Map.of(), Set.of()),
        Arguments.of(9, 4, 5, Map.of(), Set.of()));
  }

  @ParameterizedTest(name = "n={0} k={1} t={2} drops={3} partial={4}")
  @MethodSource("roundsThatSucceed")
  void unmaskedSumEqualsThePlaintextQuantisedSumOfTheSurvivors(int n, int k, int t, Map<Integer, Phase> drops, Set<Integer> partial) {
    int m = 50;
    SecAggParameters params = params(n, k, t, m);
    float[][] x = integerUpdates(n, m, n * 31L + k);
    long[] w = weights(n, n);

    Outcome outcome = InProcessRound.run(params, x, w, new Dropouts(drops, partial), SimulationRandom.fromSeed(n + k + t));

    assertThat(outcome.server().abortReason()).isEmpty();
    SecAggResult result = outcome.server().result().orElseThrow();
    Set<Integer> survivors = survivors(n, drops, partial);
    assertThat(result.survivors()).containsExactly(survivors.stream().mapToInt(Integer::intValue).toArray());
    assertThat(result.weightTotal()).isEqualTo(survivors.stream().mapToLong(c -> w[c]).sum());
    assertThat(result.weightedSum()).containsExactly(plaintextSum(x, w, survivors, m));
    assertThat(outcome.server().violations()).isEmpty();
  }

  @Test
  void manyRandomDropoutPatternsAllUnmaskExactlyOrAbortWithAReason() {
    Random r = new Random(2026);
    int succeeded = 0;
    int aborted = 0;
    for (int trial = 0; trial < 40; trial++) {
      int n = 4 + r.nextInt(12);
      int k = Math.min(n - 1, 2 * (1 + r.nextInt(3)));
      int t = 2 + r.nextInt(k);
      Map<Integer, Phase> drops = new HashMap<>();
      Set<Integer> partial = new TreeSet<>();
      for (int c = 0; c < n; c++) {
        int draw = r.nextInt(10);
        if (draw < 4) {
          drops.put(c, Phase.values()[draw]);
        } else if (draw == 4) {
          partial.add(c);
        }
      }
      int m = 1 + r.nextInt(30);
      SecAggParameters params = params(n, k, t, m);
      float[][] x = integerUpdates(n, m, trial);
      long[] w = weights(n, trial);

      Outcome outcome = InProcessRound.run(params, x, w, new Dropouts(drops, partial), SimulationRandom.fromSeed(trial));

      if (outcome.server().result().isPresent()) {
        succeeded++;
        Set<Integer> survivors = survivors(n, drops, partial);
        assertThat(outcome.server().result().get().weightedSum()).as("trial %d", trial)
            .containsExactly(plaintextSum(x, w, survivors, m));
      } else {
        aborted++;
        assertThat(outcome.server().abortReason().orElseThrow().message()).as("trial %d", trial)
            .containsPattern("only \\d+ .*threshold is \\d+|not all joined by pairwise masks|would reveal a single input");
      }
    }
    assertThat(succeeded).isGreaterThan(10);
    assertThat(aborted).isGreaterThan(3);
  }

  @Test
  void clientsServedInParallelGiveTheSameExactSum() {
    int n = 16;
    int m = 40;
    SecAggParameters params = params(n, 6, 4, m);
    float[][] x = integerUpdates(n, m, 77);
    long[] w = weights(n, 77);
    Map<Integer, Phase> drops = Map.of(3, Phase.MASKED_INPUT, 9, Phase.UNMASKING);
    java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
    InProcessRound.Timing timing = new InProcessRound.Timing(ticks::incrementAndGet);

    Outcome outcome = InProcessRound.run(params, c -> x[c], w, new Dropouts(drops, Set.of()),
        c -> SimulationRandom.fromSeed(c), c -> null, timing, 2);

    assertThat(outcome.server().result().orElseThrow().weightedSum())
        .containsExactly(plaintextSum(x, w, survivors(n, drops, Set.of()), m));
    for (Phase phase : new Phase[] {Phase.ADVERTISE_KEYS, Phase.SHARE_KEYS, Phase.MASKED_INPUT, Phase.UNMASKING}) {
      assertThat(timing.clientNanos(phase)).as("client %s", phase).isPositive();
      assertThat(timing.serverNanos(phase)).as("server %s", phase).isPositive();
    }
    // 15 self masks (client 9 sent its input before it dropped), and one pairwise mask per agreement
    // with the dropped client 3's surviving neighbours (the other agreements probe the 16 clients' 2 keys)
    assertThat(outcome.server().work().maskWords()).isEqualTo((long) (m + 1) * 15
        + (m + 1) * (outcome.server().work().keyAgreements() - 2 * 16));
  }

  @Test
  void fractionalUpdatesDecodeWithinTheQuantisationBound() {
    int n = 8;
    int m = 300;
    SecAggParameters params = new SecAggParameters(SecAggFixtures.config(n, 4, 3, m).setClip(1.0).setValueBits(16).build());
    Random r = new Random(4);
    float[][] x = new float[n][m];
    for (float[] row : x) {
      for (int i = 0; i < m; i++) {
        row[i] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    long[] w = weights(n, 3);

    SecAggResult result = InProcessRound.run(params, x, w, new Dropouts(Map.of(2, Phase.MASKED_INPUT), Set.of()),
        SimulationRandom.fromSeed(5)).server().result().orElseThrow();

    Set<Integer> survivors = survivors(n, Map.of(2, Phase.MASKED_INPUT), Set.of());
    double[] exact = plaintextSum(x, w, survivors, m);
    double bound = params.quantizer().sumErrorBound(survivors.size());
    for (int i = 0; i < m; i++) {
      assertThat(Math.abs(result.weightedSum()[i] - exact[i])).isLessThan(bound);
    }
    double[] mean = result.weightedMean();
    assertThat(mean[0]).isCloseTo(exact[0] / result.weightTotal(), org.assertj.core.data.Offset.offset(bound));
  }

  static Stream<Arguments> roundsThatAbort() {
    return Stream.of(
        Arguments.of(Map.of(0, Phase.ADVERTISE_KEYS, 1, Phase.ADVERTISE_KEYS, 2, Phase.ADVERTISE_KEYS),
            "aborted in ADVERTISE_KEYS: only 3 of 6 clients advertised keys; threshold is 4"),
        Arguments.of(Map.of(0, Phase.SHARE_KEYS, 1, Phase.SHARE_KEYS, 2, Phase.SHARE_KEYS),
            "aborted in SHARE_KEYS: only 3 of 6 clients shared their keys; threshold is 4"),
        Arguments.of(Map.of(0, Phase.MASKED_INPUT, 1, Phase.MASKED_INPUT, 2, Phase.MASKED_INPUT),
            "aborted in MASKED_INPUT: only 3 of 6 clients sent their whole masked input; threshold is 4"),
        Arguments.of(Map.of(0, Phase.UNMASKING, 1, Phase.UNMASKING, 2, Phase.UNMASKING),
            "aborted in UNMASKING: only 3 of 6 clients answered the unmask request; threshold is 4"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("roundsThatAbort")
  void tooFewSurvivorsAbortsWithTheReasonNamingPhaseAndCounts(Map<Integer, Phase> drops, String reason) {
    SecAggParameters params = params(6, 5, 4, 10);
    Outcome outcome = InProcessRound.run(params, integerUpdates(6, 10, 1), weights(6, 1), new Dropouts(drops, Set.of()),
        SimulationRandom.fromSeed(1));

    assertThat(outcome.server().result()).isEmpty();
    assertThat(outcome.server().abortReason().orElseThrow().toString()).isEqualTo(reason);
  }

  @Test
  void theServersViewOfOneMaskedInputIsUniformWhateverTheInput() {
    // The server sees y = x + masks mod 2^32. For an all-zero and an all-maximal input alike, the top
    // four bits of the words it receives must be uniform over 16 cells (chi-square < 37.7, df 15,
    // p = 0.001): the masks hide the input completely.
    int m = 8000;
    for (float value : new float[] {0f, (float) SecAggFixtures.EXACT_CLIP}) {
      SecAggParameters params = params(4, 2, 2, m);
      float[][] x = new float[4][m];
      java.util.Arrays.fill(x[0], value);
      MaskedInputTap tap = MaskedInputTap.of(params, x, weights(4, 2), 0, SimulationRandom.fromSeed((long) value));
      int[] cells = new int[16];
      for (int word : tap.words()) {
        cells[word >>> 28]++;
      }
      double expected = tap.words().length / 16.0;
      double chi = java.util.Arrays.stream(cells).mapToDouble(c -> (c - expected) * (c - expected) / expected).sum();
      assertThat(chi).as("input %s", value).isLessThan(37.7);
    }
  }

  static Set<Integer> survivors(int n, Map<Integer, Phase> drops, Set<Integer> partial) {
    Set<Integer> out = new TreeSet<>();
    for (int c = 0; c < n; c++) {
      Phase d = drops.get(c);
      boolean sentInput = d == null || d == Phase.UNMASKING;
      if (sentInput && !partial.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  static double[] plaintextSum(float[][] x, long[] w, Set<Integer> survivors, int m) {
    double[] sum = new double[m];
    for (int c : survivors) {
      for (int i = 0; i < m; i++) {
        sum[i] += (double) x[c][i] * w[c];
      }
    }
    return sum;
  }
}
