package io.fedmesh.node.cli;

import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpAccountant;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh privacy}: the RDP accountant of the Poisson-subsampled Gaussian mechanism from the
 * command line, to plan a training run before it spends anything.
 */
@Command(
    name = "privacy",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    description = {
        "Differential-privacy accounting for DP-SGD and DP-FedAvg: the epsilon a run spends, or the noise a target "
            + "epsilon needs.",
        "",
        PrivacyCommand.MODEL,
        "",
        PrivacyCommand.METHOD,
        ""
    },
    subcommands = {PrivacyCommand.Epsilon.class, PrivacyCommand.Noise.class, PrivacySpentCommand.class})
public final class PrivacyCommand implements Runnable {
  static final String MODEL = "Model: at each of T steps every record (a training example, or a participant for "
      + "client-level DP) is included independently with probability Q (Poisson sampling, not fixed-size batches or "
      + "shuffling); each included update is clipped to L2 norm C, the clipped updates are summed, and Gaussian noise "
      + "of standard deviation S*C is added to every coordinate of the sum. Neighbouring datasets differ by adding or "
      + "removing one record.";
  static final String METHOD = "Renyi DP is computed exactly (Mironov, Talwar and Zhang 2019) at orders 1.1, 1.2, "
      + "..., 10.9 and 12, 13, ..., 63, summed over the steps, and converted to (epsilon, delta) with Balle et al. "
      + "2020, as TF Privacy and Opacus do.";

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no computation given (try 'fedmesh privacy epsilon --help')");
  }

  /** {@code fedmesh privacy epsilon}: the (epsilon, delta) guarantee of a run. */
  @Command(
      name = "epsilon",
      mixinStandardHelpOptions = true,
      versionProvider = FedmeshVersion.class,
      sortOptions = false,
      description = {
          "Prints the epsilon that T steps of the Poisson-subsampled Gaussian mechanism spend at the given delta, and "
              + "the RDP order that gave it.",
          "",
          PrivacyCommand.MODEL,
          "",
          PrivacyCommand.METHOD,
          "",
          "Epsilon is printed rounded up to 6 significant digits; --json prints it exactly.",
          ""
      })
  static final class Epsilon implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--sampling-rate", required = true, paramLabel = "Q", order = 1,
        description = "Probability that a record takes part in a step, in [0, 1] (for example batch size / dataset size).")
    double samplingRate;

    @Option(names = "--noise-multiplier", required = true, paramLabel = "S", order = 2,
        description = "Noise standard deviation divided by the clipping norm C, finite and at least 0.")
    double noiseMultiplier;

    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
      checkSamplingRate(spec, samplingRate);
      check(spec, noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY,
          "--noise-multiplier must be finite and at least 0, got " + noiseMultiplier);
      run.check(spec);
      DpGuarantee guarantee = RdpAccountant.epsilon(samplingRate, noiseMultiplier, run.steps, run.delta);
      String text;
      if (run.json) {
        text = "{\"epsilon\": " + json(guarantee.epsilon()) + ", \"order\": " + json(guarantee.order()) + "}";
      } else if (Double.isInfinite(guarantee.epsilon())) {
        text = "epsilon = infinity at delta = " + plain(run.delta) + ": without noise there is no finite bound";
      } else {
        text = "epsilon = " + roundedUp(guarantee.epsilon()) + " at delta = " + plain(run.delta)
            + " (best RDP order " + plain(guarantee.order()) + ")" + System.lineSeparator()
            + run.describe(samplingRate, noiseMultiplier);
      }
      print(spec, text);
      return 0;
    }
  }

  /** {@code fedmesh privacy noise}: the smallest noise multiplier that meets a target epsilon. */
  @Command(
      name = "noise",
      mixinStandardHelpOptions = true,
      versionProvider = FedmeshVersion.class,
      sortOptions = false,
      description = {
          "Prints the smallest noise multiplier S for which T steps of the Poisson-subsampled Gaussian mechanism at "
              + "sampling rate Q spend at most the target epsilon at the given delta. It is found by bisection: the exact "
              + "smallest value is at most 0.01%% below the one found, and the one found always meets the target.",
          "",
          PrivacyCommand.MODEL,
          "",
          PrivacyCommand.METHOD,
          "",
          "The noise multiplier is printed rounded up to 6 significant digits, so it still meets the target; --json "
              + "prints the value found exactly.",
          ""
      })
  static final class Noise implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--sampling-rate", required = true, paramLabel = "Q", order = 1,
        description = "Probability that a record takes part in a step, in [0, 1] (for example batch size / dataset size).")
    double samplingRate;

    @Mixin
    RunOptions run;

    @Option(names = "--target-epsilon", required = true, paramLabel = "E", order = 5,
        description = "The epsilon the whole run may spend, finite and above 0.")
    double targetEpsilon;

    @Override
    public Integer call() {
      checkSamplingRate(spec, samplingRate);
      run.check(spec);
      check(spec, targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY,
          "--target-epsilon must be finite and above 0, got " + targetEpsilon);
      double sigma;
      try {
        sigma = RdpAccountant.noiseMultiplier(samplingRate, run.steps, run.delta, targetEpsilon);
      } catch (IllegalArgumentException e) { // the target cannot be met: the request, not the run, is wrong
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      String text;
      if (run.json) {
        text = "{\"noise_multiplier\": " + json(sigma) + "}";
      } else {
        double printed = Double.parseDouble(roundedUp(sigma));
        DpGuarantee spent = RdpAccountant.epsilon(samplingRate, printed, run.steps, run.delta);
        text = "noise multiplier = " + plain(printed) + " (epsilon " + roundedUp(spent.epsilon()) + " <= "
            + plain(targetEpsilon) + " at delta = " + plain(run.delta) + ", best RDP order " + plain(spent.order()) + ")"
            + System.lineSeparator() + run.describe(samplingRate, printed);
      }
      print(spec, text);
      return 0;
    }
  }

  /** The options every computation shares: the length of the run, delta and the output format. */
  static final class RunOptions {
    @Option(names = "--steps", required = true, paramLabel = "T", order = 3,
        description = "Steps (training iterations, or federated rounds) in the run, at least 0.")
    long steps;

    @Option(names = "--delta", required = true, paramLabel = "D", order = 4,
        description = "Probability with which the epsilon bound may fail, in (0, 1); choose it well below 1 / (number of records).")
    double delta;

    @Option(names = "--json", order = 6, description = "Print one JSON object instead of text.")
    boolean json;

    void check(CommandSpec spec) {
      PrivacyCommand.check(spec, steps >= 0, "--steps must be at least 0, got " + steps);
      PrivacyCommand.check(spec, delta > 0 && delta < 1, "--delta must be in (0, 1), got " + delta);
    }

    String describe(double samplingRate, double noiseMultiplier) {
      return "for " + steps + " steps of the Poisson-subsampled Gaussian mechanism with sampling rate "
          + plain(samplingRate) + " and noise multiplier " + plain(noiseMultiplier);
    }
  }

  // ---- helpers ----

  static void checkSamplingRate(CommandSpec spec, double samplingRate) {
    check(spec, samplingRate >= 0 && samplingRate <= 1, "--sampling-rate must be in [0, 1], got " + samplingRate);
  }

  static void check(CommandSpec spec, boolean ok, String message) {
    if (!ok) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  private static void print(CommandSpec spec, String text) {
    spec.commandLine().getOut().println(text);
    spec.commandLine().getOut().flush();
  }

  /** A JSON number; null for infinity and NaN, which JSON has no number for. */
  static String json(double value) {
    return Double.isFinite(value) ? Double.toString(value) : "null";
  }

  /**
   * 6 significant digits, rounded up, never down: a printed epsilon below the true one would overstate
   * privacy, and a printed noise multiplier below the one found would miss the target.
   */
  static String roundedUp(double value) {
    return text(new BigDecimal(value).round(new MathContext(6, RoundingMode.CEILING)));
  }

  /** The shortest decimal that reads back as {@code value}, without exponent unless it is tiny. */
  static String plain(double value) {
    return text(BigDecimal.valueOf(value));
  }

  private static String text(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.abs().compareTo(TINY) < 0 && stripped.signum() != 0 ? stripped.toString() : stripped.toPlainString();
  }

  private static final BigDecimal TINY = new BigDecimal("1e-6");
}
