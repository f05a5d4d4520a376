package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.privacy.DdgAccountant;
import io.fedmesh.ml.privacy.DdgEncoding;
import io.fedmesh.ml.privacy.DdgPlan;
import io.fedmesh.ml.privacy.DdgPlanRequest;
import io.fedmesh.ml.privacy.DdgPlanner;
import io.fedmesh.ml.privacy.DpGuarantee;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code fedmesh privacy epsilon|noise --mechanism ddg} and {@code fedmesh privacy plan}: values from the DDG
 * accountant and planner, JSON, help, and bad arguments (exit code 2, one line).
 */
class PrivacyCommandDdgTest {
  private static final String[] SHAPE = {"--clients", "100", "--dimension", "1000", "--clip", "1", "--beta", "0.6065306597126334"};
  private static final DdgEncoding ENCODING = new DdgEncoding(100, 1024, 1.0, 0.01, Math.exp(-0.5));

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private static String[] args(String[] head, String... tail) {
    String[] all = new String[head.length + SHAPE.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(SHAPE, 0, all, head.length, SHAPE.length);
    System.arraycopy(tail, 0, all, head.length + SHAPE.length, tail.length);
    return all;
  }

  @Test
  void ddgEpsilonPrintsTheAccountantsValueRoundedUp() {
    assertThat(run(args(new String[] {"privacy", "epsilon", "--mechanism", "ddg", "--sampling-rate", "0.05",
        "--steps", "500", "--delta", "1e-5"}, "--gamma", "0.01", "--local-noise", "30"))).as(err.toString()).isZero();

    // 2.8669... at the reference's integer orders (DdgAccountantTest); the default grid gives a hair less.
    DpGuarantee expected = DdgAccountant.epsilon(ENCODING, 30, 0.05, 500, 1e-5);
    assertThat(expected.epsilon()).isCloseTo(2.8669, within(0.001));
    assertThat(out.toString().lines()).containsExactly(
        "epsilon = " + PrivacyCommand.roundedUp(expected.epsilon()) + " at delta = 0.00001 (best RDP order "
            + PrivacyCommand.plain(expected.order()) + ")",
        "for 500 rounds of the distributed discrete Gaussian with 100 honest clients, sampling rate 0.05, padded "
            + "dimension 1024 (from 1000), clip 1, gamma 0.01, beta 0.606531 and local noise 30 integer units");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void ddgEpsilonJsonIsTheExactValue() {
    assertThat(run(args(new String[] {"privacy", "epsilon", "--mechanism", "ddg", "--sampling-rate", "1",
        "--steps", "3", "--delta", "1e-6", "--json"}, "--gamma", "0.01", "--local-noise", "40"))).isZero();
    DpGuarantee expected = DdgAccountant.epsilon(ENCODING, 40, 1, 3, 1e-6);
    assertThat(out.toString().strip()).isEqualTo(
        "{\"epsilon\": " + expected.epsilon() + ", \"order\": " + expected.order() + "}");
  }

  @Test
  void ddgNoisePrintsLocalNoiseThatMeetsTheTarget() {
    assertThat(run(args(new String[] {"privacy", "noise", "--mechanism", "ddg", "--sampling-rate", "1",
        "--steps", "100", "--delta", "1e-5", "--target-epsilon", "4"}, "--gamma", "0.01"))).as(err.toString()).isZero();

    Matcher printed = Pattern.compile("local noise = ([0-9.]+) integer units, ([0-9.]+) in the update's units "
        + "\\(epsilon ([0-9.]+) <= 4 at delta = 0.00001, best RDP order [0-9.]+\\)").matcher(out.toString());
    assertThat(printed.find()).as(out.toString()).isTrue();
    double sigma = Double.parseDouble(printed.group(1));
    double found = DdgAccountant.localNoise(ENCODING, 1, 100, 1e-5, 4);
    assertThat(sigma).isGreaterThanOrEqualTo(found).isCloseTo(found, within(1e-5 * found));
    assertThat(Double.parseDouble(printed.group(2))).isCloseTo(0.01 * sigma, within(1e-5 * sigma));
    assertThat(DdgAccountant.epsilon(ENCODING, sigma, 1, 100, 1e-5).epsilon()).isLessThanOrEqualTo(4).isGreaterThan(3.99);

    out.getBuffer().setLength(0);
    assertThat(run(args(new String[] {"privacy", "noise", "--mechanism", "ddg", "--sampling-rate", "1",
        "--steps", "100", "--delta", "1e-5", "--target-epsilon", "4", "--json"}, "--gamma", "0.01"))).isZero();
    assertThat(out.toString().strip()).isEqualTo(
        "{\"local_noise\": " + found + ", \"local_noise_original\": " + found * 0.01 + "}");
  }

  @Test
  void planPrintsWhatThePlannerChose() {
    assertThat(run(args(new String[] {"privacy", "plan", "--target-epsilon", "2", "--sampling-rate", "1",
        "--steps", "100", "--delta", "1e-6"}, "--bits", "20", "--k", "3"))).as(err.toString()).isZero();

    DdgPlan plan = DdgPlanner.plan(new DdgPlanRequest(2, 1e-6, 1000, 100, 100, 1, 1, 20, 3, Math.exp(-0.5)));
    String text = out.toString();
    assertThat(text).startsWith("plan for epsilon <= 2 at delta = 0.000001 over 100 rounds, 100 honest clients, "
        + "sampling rate 1, clip 1, k 3");
    assertThat(text).contains("  bits              20 (modulus 1048576)",
        "  gamma             " + PrivacyCommand.roundedUp(plan.gamma()) + " (clients multiply by 1/gamma = ",
        "  local noise       " + PrivacyCommand.roundedUp(plan.localNoiseStddev()) + " integer units per client",
        "  beta              0.606531", "  padded dimension  1024 (from 1000)", "  epsilon           ",
        "  expected error    ").doesNotContain("amplification");
    Matcher epsilon = Pattern.compile("epsilon {11}([0-9.]+) \\(best RDP order").matcher(text);
    assertThat(epsilon.find()).isTrue();
    assertThat(Double.parseDouble(epsilon.group(1))).isLessThanOrEqualTo(2); // of the printed, rounded-up values

    out.getBuffer().setLength(0);
    assertThat(run(args(new String[] {"privacy", "plan", "--target-epsilon", "2", "--sampling-rate", "1",
        "--steps", "100", "--delta", "1e-6", "--json"}, "--bits", "20", "--k", "3"))).isZero();
    assertThat(out.toString().strip()).startsWith("{\"bits\": 20, \"modulus\": 1048576, \"gamma\": " + plan.gamma()
        + ", \"local_noise\": " + plan.localNoiseStddev() + ", ").contains("\"padded_dimension\": 1024",
        "\"epsilon\": " + plan.epsilon() + ", ", "\"expected_sum_mse\": " + plan.expectedSumMse()).endsWith("}");
  }

  @Test
  void planWithSamplingSaysWhomTheAmplificationHoldsAgainst() {
    assertThat(run(args(new String[] {"privacy", "plan", "--target-epsilon", "4", "--sampling-rate", "0.05",
        "--steps", "500", "--delta", "1e-5"}, "--bits", "18"))).as(err.toString()).isZero();
    assertThat(out.toString().replaceAll("\\s+", " ")).contains("amplification by sampling (rate 0.05)",
        "not against the coordinator");
  }

  @Test
  void helpExplainsTheDdgOptions() {
    assertThat(run("privacy", "plan", "--help")).isZero();
    String plan = out.toString().replaceAll("\\s+", " ");
    assertThat(plan).contains("--target-epsilon=E", "--sampling-rate=Q", "--steps=T", "--delta=D", "--clients=N",
        "--dimension=DIM", "--clip=C", "--beta=BETA", "--bits=B", "--k=K", "--json", "default 4", "cohort minus",
        "2^bits", "n GAMMA^2 (1/4 + S^2)", "not the coordinator");
    out.getBuffer().setLength(0);
    assertThat(run("privacy", "epsilon", "--help")).isZero();
    assertThat(out.toString().replaceAll("\\s+", " ")).contains("--mechanism=gaussian|ddg", "--gamma=GAMMA",
        "--local-noise=S", "at least 0.5", "padded to the next power of two");
    out.getBuffer().setLength(0);
    assertThat(run("privacy", "noise", "--help")).isZero();
    assertThat(out.toString().replaceAll("\\s+", " ")).contains("--mechanism=gaussian|ddg", "--gamma=GAMMA");
    out.getBuffer().setLength(0);
    assertThat(run("privacy", "--help")).isZero();
    assertThat(out.toString()).contains("plan");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void badArgumentsAreOneLineAndExitCode2() {
    String[] epsilon = args(new String[] {"privacy", "epsilon", "--mechanism", "ddg", "--sampling-rate", "1",
        "--steps", "10", "--delta", "1e-5"}, "--gamma", "0.01", "--local-noise", "30");
    String[] plan = args(new String[] {"privacy", "plan", "--target-epsilon", "2", "--sampling-rate", "1",
        "--steps", "10", "--delta", "1e-5"}, "--bits", "16", "--k", "4");
    Object[][] cases = {
        {with(epsilon, "--mechanism", "skellam"), "expected gaussian or ddg, got 'skellam'"},
        {with(epsilon, "--clients", "0"), "--clients must be at least 1, got 0"},
        {with(epsilon, "--dimension", "0"), "--dimension must be in [1, 2^30], got 0"},
        {with(epsilon, "--clip", "-1"), "--clip must be finite and above 0"},
        {with(epsilon, "--gamma", "0"), "--gamma must be finite and above 0"},
        {with(epsilon, "--beta", "1"), "--beta must be in [0, 1), got 1.0"},
        {with(epsilon, "--local-noise", "0.4"), "--local-noise must be finite and at least 0.5"},
        {with(epsilon, "--sampling-rate", "2"), "--sampling-rate must be in [0, 1]"},
        {with(epsilon, "--delta", "0"), "--delta must be in (0, 1)"},
        {new String[] {"privacy", "epsilon", "--mechanism", "ddg", "--sampling-rate", "1", "--steps", "10", "--delta",
            "1e-5", "--gamma", "0.01", "--local-noise", "30", "--dimension", "10", "--clip", "1"},
            "--clients is required"},
        {new String[] {"privacy", "epsilon", "--mechanism", "ddg", "--sampling-rate", "1", "--steps", "10", "--delta",
            "1e-5", "--clients", "3", "--dimension", "10", "--clip", "1", "--local-noise", "3"}, "--gamma is required"},
        {new String[] {"privacy", "epsilon", "--mechanism", "ddg", "--sampling-rate", "1", "--steps", "10", "--delta",
            "1e-5", "--clients", "3", "--dimension", "10", "--clip", "1", "--gamma", "1", "--local-noise", "3",
            "--noise-multiplier", "1"}, "--noise-multiplier does not apply to --mechanism ddg"},
        {new String[] {"privacy", "epsilon", "--sampling-rate", "1", "--steps", "10", "--delta", "1e-5",
            "--noise-multiplier", "1", "--clients", "3"}, "--clients does not apply to --mechanism gaussian"},
        {new String[] {"privacy", "noise", "--sampling-rate", "1", "--steps", "10", "--delta", "1e-5",
            "--target-epsilon", "1", "--gamma", "3"}, "--gamma does not apply to --mechanism gaussian"},
        {new String[] {"privacy", "noise", "--mechanism", "ddg", "--sampling-rate", "1", "--steps", "10", "--delta",
            "1e-5", "--target-epsilon", "0.05", "--clients", "3", "--dimension", "10", "--clip", "1", "--gamma", "1"},
            "not reachable"},
        {with(plan, "--bits", "63"), "--bits must be in [1, 62], got 63"},
        {with(plan, "--bits", "4"), "no plan: 4 bits are too few for 100 clients"},
        {with(plan, "--k", "0"), "--k must be finite and above 0"},
        {with(plan, "--target-epsilon", "0"), "--target-epsilon must be finite and above 0"},
        {with(plan, "--target-epsilon", "0.01"), "not reachable"},
        {with(plan, "--steps", "-3"), "--steps must be at least 0"},
        {new String[] {"privacy", "plan", "--target-epsilon", "2", "--sampling-rate", "1", "--steps", "10", "--delta",
            "1e-5", "--clients", "3", "--dimension", "10", "--clip", "1"}, "--bits"},
        {new String[] {"privacy", "plan", "--target-epsilon", "2", "--sampling-rate", "1", "--steps", "10", "--delta",
            "1e-5", "--clients", "3", "--clip", "1", "--bits", "16"}, "--dimension is required"}};
    for (Object[] c : cases) {
      String[] args = (String[]) c[0];
      StringWriter o = new StringWriter();
      StringWriter e = new StringWriter();
      int code = FedmeshMain.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
      String what = String.join(" ", args);
      assertThat(code).as(what).isEqualTo(2);
      assertThat(e.toString().lines()).as(what).singleElement().asString().startsWith("fedmesh: ").contains((String) c[1]);
      assertThat(o.toString()).as(what).isEmpty();
    }
  }

  /** {@code args} with {@code option}'s value replaced. */
  private static String[] with(String[] args, String option, String value) {
    String[] copy = args.clone();
    for (int i = 0; i < copy.length - 1; i++) {
      if (copy[i].equals(option)) {
        copy[i + 1] = value;
      }
    }
    return copy;
  }
}
