package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpAccountant;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** `fedmesh privacy epsilon` and `fedmesh privacy noise`: values from the accountant, JSON, help, bad arguments. */
class PrivacyCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void epsilonPrintsTheAccountantsValueRoundedUpAndTheBestOrder() {
    assertThat(run("privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1.1",
        "--steps", "10000", "--delta", "1e-5")).as(err.toString()).isZero();

    // 5.631992368661... rounded up to 6 digits
    assertThat(out.toString().lines()).containsExactly(
        "epsilon = 5.632 at delta = 0.00001 (best RDP order 4.7)",
        "for 10000 steps of the Poisson-subsampled Gaussian mechanism with sampling rate 0.01 and noise multiplier 1.1");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void epsilonJsonIsOneObjectWithTheExactValues() {
    assertThat(run("privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "4",
        "--steps", "10000", "--delta", "1e-5", "--json")).as(err.toString()).isZero();

    DpGuarantee expected = RdpAccountant.epsilon(0.01, 4, 10_000, 1e-5);
    assertThat(out.toString()).isEqualTo(
        "{\"epsilon\": " + expected.epsilon() + ", \"order\": 17.0}" + System.lineSeparator());
  }

  @Test
  void epsilonWithoutNoiseIsInfiniteAndNullInJson() {
    assertThat(run("privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "0",
        "--steps", "1", "--delta", "1e-5")).isZero();
    assertThat(out.toString()).startsWith("epsilon = infinity at delta = 0.00001");

    StringWriter json = new StringWriter();
    assertThat(FedmeshMain.run(new String[] {"privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "0",
        "--steps", "1", "--delta", "1e-5", "--json"}, new PrintWriter(json, true), new PrintWriter(err, true))).isZero();
    assertThat(json.toString().strip()).isEqualTo("{\"epsilon\": null, \"order\": null}");
  }

  @Test
  void noisePrintsAMultiplierThatMeetsTheTarget() {
    assertThat(run("privacy", "noise", "--sampling-rate", "0.01", "--steps", "10000", "--delta", "1e-5",
        "--target-epsilon", "2")).as(err.toString()).isZero();

    Matcher printed = Pattern.compile("noise multiplier = ([0-9.]+) \\(epsilon ([0-9.]+) <= 2 at delta = 0.00001, "
        + "best RDP order [0-9.]+\\)").matcher(out.toString());
    assertThat(printed.find()).as(out.toString()).isTrue();
    double sigma = Double.parseDouble(printed.group(1));
    double found = RdpAccountant.noiseMultiplier(0.01, 10_000, 1e-5, 2);
    assertThat(sigma).isGreaterThanOrEqualTo(found).isCloseTo(found, within(1e-5 * found)); // 6 digits, rounded up
    assertThat(RdpAccountant.epsilon(0.01, sigma, 10_000, 1e-5).epsilon()).isLessThanOrEqualTo(2).isGreaterThan(1.99);
    assertThat(Double.parseDouble(printed.group(2))).isLessThanOrEqualTo(2);
  }

  @Test
  void noiseJsonIsOneObjectWithTheExactValue() {
    assertThat(run("privacy", "noise", "--sampling-rate", "0.004", "--steps", "5000", "--delta", "1e-6",
        "--target-epsilon", "1.5", "--json")).as(err.toString()).isZero();

    assertThat(out.toString()).isEqualTo("{\"noise_multiplier\": "
        + RdpAccountant.noiseMultiplier(0.004, 5_000, 1e-6, 1.5) + "}" + System.lineSeparator());
  }

  @Test
  void helpExplainsEveryOptionAndTheModel() {
    assertThat(run("privacy", "--help")).isZero();
    assertThat(help()).contains("Usage: fedmesh privacy", "epsilon", "noise", "Poisson sampling",
        "clipped to L2 norm C", "S*C", "adding or removing one record", "Balle et al. 2020");
    assertThat(run("privacy", "epsilon", "--help")).isZero();
    assertThat(help()).contains("Poisson sampling", "clipped to L2 norm C", "--sampling-rate=Q", "--noise-multiplier=S", "--steps=T", "--delta=D", "--json",
        "rounded up");
    assertThat(run("privacy", "noise", "--help")).isZero();
    assertThat(help()).contains("Poisson sampling", "--target-epsilon=E", "0.01% below", "always meets the target");
    assertThat(run("--help")).isZero();
    assertThat(help()).contains("privacy");
    assertThat(err.toString()).isEmpty();
  }

  /** What was printed, with picocli's line wrapping undone. */
  private String help() {
    String text = out.toString().replaceAll("\\s+", " ");
    out.getBuffer().setLength(0);
    return text;
  }

  @Test
  void badArgumentsAreOneLineAndExitCode2() {
    String[] epsilon = {"privacy", "epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1.1",
        "--steps", "100", "--delta", "1e-5"};
    String[] noise = {"privacy", "noise", "--sampling-rate", "0.01", "--steps", "100", "--delta", "1e-5",
        "--target-epsilon", "1"};
    Object[][] cases = {
        {with(epsilon, "--sampling-rate", "1.5"), "--sampling-rate must be in [0, 1], got 1.5"},
        {with(epsilon, "--sampling-rate", "-0.1"), "--sampling-rate"},
        {with(epsilon, "--sampling-rate", "NaN"), "--sampling-rate must be in [0, 1], got NaN"},
        {with(epsilon, "--noise-multiplier", "-1"), "--noise-multiplier must be finite and at least 0"},
        {with(epsilon, "--noise-multiplier", "Infinity"), "--noise-multiplier"},
        {with(epsilon, "--noise-multiplier", "NaN"), "--noise-multiplier"},
        {with(epsilon, "--steps", "-1"), "--steps must be at least 0, got -1"},
        {with(epsilon, "--steps", "1.5"), "--steps"},
        {with(epsilon, "--delta", "0"), "--delta must be in (0, 1), got 0.0"},
        {with(epsilon, "--delta", "1"), "--delta"},
        {with(epsilon, "--delta", "NaN"), "--delta"},
        {with(epsilon, "--delta", "tiny"), "--delta"},
        {new String[] {"privacy", "epsilon", "--sampling-rate", "0.01", "--steps", "100", "--delta", "1e-5"},
            "--noise-multiplier"},
        {new String[] {"privacy", "epsilon", "--noise-multiplier", "1", "--steps", "100", "--delta", "1e-5"},
            "--sampling-rate"},
        {with(noise, "--target-epsilon", "0"), "--target-epsilon must be finite and above 0, got 0.0"},
        {with(noise, "--target-epsilon", "-2"), "--target-epsilon"},
        {with(noise, "--target-epsilon", "NaN"), "--target-epsilon"},
        {with(noise, "--delta", "2"), "--delta"},
        {with(noise, "--sampling-rate", "7"), "--sampling-rate"},
        {new String[] {"privacy", "noise", "--sampling-rate", "1", "--steps", "1000000", "--delta", "1e-5",
            "--target-epsilon", "0.05"}, "not reachable"},
        {new String[] {"privacy", "noise", "--sampling-rate", "0.01", "--steps", "100", "--delta", "1e-5"},
            "--target-epsilon"},
        {new String[] {"privacy", "noise", "--sampling-rate", "0.01", "--noise-multiplier", "1", "--steps", "100",
            "--delta", "1e-5", "--target-epsilon", "1"}, "--noise-multiplier"},
        {new String[] {"privacy"}, "no computation given"}};
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
