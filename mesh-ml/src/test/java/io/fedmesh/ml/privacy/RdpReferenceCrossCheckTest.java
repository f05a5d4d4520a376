package io.fedmesh.ml.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java accountant against the independent Python reference (src/test/python/rdp_reference.py, which
 * sums the series differently and checks them against the integral that defines RDP), on a grid of
 * sampling rates, noise multipliers, steps and deltas that includes every special case.
 *
 * <p>Tolerances. The accountant stops each fractional series, as TF Privacy does, at terms below e^-30,
 * so its RDP of one step may be off by about 1e-13 / (order - 1) in absolute terms; the reference goes to
 * e^-36. And A, whose logarithm is the RDP, is about 1 + q^2 for small q, so both lose the digits of q^2
 * below 1e-16, about 1e-16 / (order - 1) of RDP per step. Per-step RDP must therefore agree to 1e-9
 * relative or 2e-12 absolute. Epsilon is the RDP at one order plus a constant, so it must agree to 1e-9
 * relative or 2e-12 absolute per step (which matters only over millions of steps: q = 0.001, sigma = 0.5
 * and 10^7 steps give epsilon 319.818957 here and 319.818953 in the reference).
 */
class RdpReferenceCrossCheckTest {
  // (sampling rate, noise multiplier): the special cases q = 0, q = 1 and sigma = 0, tiny and large q,
  // little and much noise. Not a full product: the reference takes a while on large q with small sigma.
  private static final double[][] MECHANISMS = {
      {0, 1.1}, {0, 0}, {0.01, 0}, {1, 0.5}, {1, 1.1},
      {1e-6, 0.5}, {1e-6, 5}, {1e-3, 0.5}, {1e-3, 1.1}, {1e-3, 20},
      {0.01, 0.5}, {0.01, 1.1}, {0.01, 2}, {0.01, 5}, {0.05, 1.1}, {0.05, 2},
      {0.2, 2}, {0.2, 5}, {0.5, 0.5}, {0.99, 0.5}, {0.99, 5}};
  private static final long[] STEPS = {0, 1_000, 10_000_000};
  private static final double[] DELTAS = {1e-5, 1e-12, 0.3};
  private static final double RDP_RELATIVE = 1e-9;
  private static final double RDP_ABSOLUTE = 2e-12;
  private static final double EPSILON_RELATIVE = 1e-9;

  // Different mechanisms run one after the other (DP-SGD phases, or rounds with changing cohorts).
  private static final double[][][] COMPOSITIONS = {
      {{0.01, 1.1, 5_000}, {0.02, 0.9, 1_000}},
      {{0.001, 0.6, 100_000}, {1, 20, 3}, {0.1, 2, 50}},
      {{0.5, 0.5, 1}, {0.01, 5, 1_000_000}}};
  // (q, sigma, order) where the series are compared with the integral that defines RDP.
  private static final double[][] INTEGRALS = {
      {0.01, 1.1, 1.1}, {0.01, 1.1, 2.5}, {0.01, 1.1, 8}, {0.01, 1.1, 63},
      {0.3, 0.7, 1.5}, {0.3, 0.7, 7.3}, {0.3, 0.7, 40},
      {0.001, 0.5, 3.3}, {0.001, 0.5, 30}, {0.9, 2, 1.2}, {0.9, 2, 20}, {0.05, 4, 10.9}};
  private static final double[] ERFC_ARGUMENTS = {
      -40, -6, -1.3, -1.2, -0.5, -1e-3, 0, 1e-8, 0.3, 1.2, 1.2247, 1.2248, 1.5, 3, 5.5, 10, 19.9, 26, 27, 40, 300, 1e5};

  private static final List<String> requests = new ArrayList<>();
  private static List<String> answers;

  @BeforeAll
  static void askTheReference(@TempDir Path dir) throws IOException, InterruptedException {
    for (double[] mechanism : MECHANISMS) {
      double q = mechanism[0];
      double sigma = mechanism[1];
      requests.add(String.format(Locale.ROOT, "rdp %s %s 1", q, sigma));
      for (long steps : STEPS) {
        for (double delta : DELTAS) {
          requests.add(String.format(Locale.ROOT, "eps %s %s %s %d", delta, q, sigma, steps));
        }
      }
    }
    for (double[][] mechanisms : COMPOSITIONS) {
      StringBuilder line = new StringBuilder("eps 1.0E-6");
      for (double[] m : mechanisms) {
        line.append(String.format(Locale.ROOT, " %s %s %d", m[0], m[1], (long) m[2]));
      }
      requests.add(line.toString());
    }
    for (double[] point : INTEGRALS) {
      requests.add(String.format(Locale.ROOT, "integral %s %s %s", point[0], point[1], point[2]));
    }
    for (double x : ERFC_ARGUMENTS) {
      requests.add(String.format(Locale.ROOT, "logerfc %s", x));
    }
    answers = runReference(dir, requests);
    assertThat(answers).hasSameSizeAs(requests);
  }

  @Test
  void rdpOfOneStepAgreesAtEveryOrder() {
    double[] orders = RdpAccountant.defaultOrders();
    int checked = 0;
    for (int r = 0; r < requests.size(); r++) {
      String[] request = requests.get(r).split(" ");
      if (!request[0].equals("rdp")) {
        continue;
      }
      double q = Double.parseDouble(request[1]);
      double sigma = Double.parseDouble(request[2]);
      double[] java = RdpAccountant.sampledGaussian(q, sigma, 1).rdp();
      double[] python = numbers(answers.get(r));
      assertThat(python).hasSameSizeAs(java);
      for (int i = 0; i < java.length; i++) {
        assertClose(java[i], python[i], RDP_RELATIVE, RDP_ABSOLUTE,
            String.format(Locale.ROOT, "q=%s sigma=%s order=%s", q, sigma, orders[i]));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(MECHANISMS.length * orders.length);
  }

  @Test
  void epsilonAndBestOrderAgree() {
    for (int r = 0; r < requests.size(); r++) {
      String[] request = requests.get(r).split(" ");
      if (!request[0].equals("eps") || request.length != 5) {
        continue;
      }
      double delta = Double.parseDouble(request[1]);
      double q = Double.parseDouble(request[2]);
      double sigma = Double.parseDouble(request[3]);
      long steps = Long.parseLong(request[4]);
      DpGuarantee java = RdpAccountant.epsilon(q, sigma, steps, delta);
      double[] python = numbers(answers.get(r));
      String what = requests.get(r);
      assertClose(java.epsilon(), python[0], EPSILON_RELATIVE, steps * RDP_ABSOLUTE, what);
      assertThat(java.delta()).isEqualTo(delta);
      if (java.epsilon() > 0) { // at 0 several orders tie, and either side may pick a different one
        assertThat(Double.valueOf(java.order())).as(what).isEqualTo(Double.valueOf(python[1]));
      }
    }
  }

  @Test
  void compositionOfDifferentMechanismsAgrees() {
    int checked = 0;
    for (int r = 0; r < requests.size(); r++) {
      String[] request = requests.get(r).split(" ");
      if (!request[0].equals("eps") || request.length == 5) {
        continue;
      }
      RdpBudget spent = RdpBudget.zero();
      long steps = 0;
      for (int i = 2; i < request.length; i += 3) {
        long mechanismSteps = Long.parseLong(request[i + 2]);
        spent = spent.plus(RdpAccountant.sampledGaussian(
            Double.parseDouble(request[i]), Double.parseDouble(request[i + 1]), mechanismSteps));
        steps += mechanismSteps;
      }
      DpGuarantee java = spent.epsilon(Double.parseDouble(request[1]));
      double[] python = numbers(answers.get(r));
      assertClose(java.epsilon(), python[0], EPSILON_RELATIVE, steps * RDP_ABSOLUTE, requests.get(r));
      assertThat(Double.valueOf(java.order())).as(requests.get(r)).isEqualTo(Double.valueOf(python[1]));
      checked++;
    }
    assertThat(checked).isEqualTo(COMPOSITIONS.length);
  }

  @Test
  void seriesAgreeWithTheIntegralThatDefinesRdp() {
    int checked = 0;
    for (int r = 0; r < requests.size(); r++) {
      String[] request = requests.get(r).split(" ");
      if (!request[0].equals("integral")) {
        continue;
      }
      double q = Double.parseDouble(request[1]);
      double sigma = Double.parseDouble(request[2]);
      double order = Double.parseDouble(request[3]);
      double java = RdpAccountant.sampledGaussian(q, sigma, 1, new double[] {order}).rdp()[0];
      assertClose(java, numbers(answers.get(r))[0], RDP_RELATIVE, RDP_ABSOLUTE, requests.get(r));
      checked++;
    }
    assertThat(checked).isEqualTo(INTEGRALS.length);
  }

  @Test
  void logErfcAgreesWithTheCLibraryAndItsAsymptoticSeries() {
    int checked = 0;
    for (int r = 0; r < requests.size(); r++) {
      String[] request = requests.get(r).split(" ");
      if (!request[0].equals("logerfc")) {
        continue;
      }
      double x = Double.parseDouble(request[1]);
      double python = numbers(answers.get(r))[0];
      // 1e-15 relative to erfc itself, and the last bits of -x^2 far in the tail
      assertThat(Erfc.log(x)).as("log erfc(%s)", x).isCloseTo(python, within(2e-15 * Math.max(1, Math.abs(python))));
      checked++;
    }
    assertThat(checked).isEqualTo(ERFC_ARGUMENTS.length);
  }

  private static void assertClose(double java, double python, double relative, double absolute, String what) {
    if (Double.isInfinite(python) || Double.isNaN(python)) {
      assertThat(Double.valueOf(java)).as(what).isEqualTo(Double.valueOf(python));
      return;
    }
    assertThat(Math.abs(java - python)).as("%s: java %s, python %s", what, java, python)
        .isLessThanOrEqualTo(Math.max(relative * Math.abs(python), absolute));
  }

  static double[] numbers(String line) {
    return java.util.Arrays.stream(line.trim().split(" "))
        .mapToDouble(w -> switch (w) {
          case "inf" -> Double.POSITIVE_INFINITY;
          case "nan" -> Double.NaN;
          default -> Double.parseDouble(w);
        })
        .toArray();
  }

  /** Runs rdp_reference.py on the requests, one answer line per request. */
  static List<String> runReference(Path dir, List<String> lines) throws IOException, InterruptedException {
    Path batch = dir.resolve("requests.txt");
    Files.write(batch, lines, StandardCharsets.UTF_8);
    Path script = Path.of("src/test/python/rdp_reference.py").toAbsolutePath();
    Process process = new ProcessBuilder("python3", script.toString(), batch.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("python3 rdp_reference.py exit code").isZero();
    return new String(out, StandardCharsets.UTF_8).lines().toList();
  }
}
