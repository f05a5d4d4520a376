package io.fedmesh.node.cli;

import io.fedmesh.ml.privacy.DdgAccountant;
import io.fedmesh.ml.privacy.DdgEncoding;
import io.fedmesh.ml.privacy.DdgPlan;
import io.fedmesh.ml.privacy.DdgPlanRequest;
import io.fedmesh.ml.privacy.DdgPlanner;
import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpAccountant;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code fedmesh privacy}: the RDP accountants of the Poisson-subsampled Gaussian mechanism and of the
 * distributed discrete Gaussian (DDG) inside secure aggregation, and the DDG planner, from the command
 * line, to plan a training run before it spends anything. Each subcommand parses and checks its options
 * and calls {@code io.fedmesh.ml.privacy}; nothing is computed here.
 */
@Command(
    name = "privacy",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    description = {
        "Differential-privacy accounting for DP-SGD and DP-FedAvg: the epsilon a run spends, or the noise a target "
            + "epsilon needs; with --mechanism ddg the same for the distributed discrete Gaussian inside secure "
            + "aggregation, and 'plan' chooses its quantisation and noise.",
        "",
        PrivacyCommand.MODEL,
        "",
        PrivacyCommand.METHOD,
        "",
        PrivacyCommand.DDG_MODEL,
        ""
    },
    subcommands = {PrivacyCommand.Epsilon.class, PrivacyCommand.Noise.class, PrivacyCommand.Plan.class,
        PrivacySpentCommand.class})
public final class PrivacyCommand implements Runnable {
  static final String MODEL = "Model: at each of T steps every record (a training example, or a participant for "
      + "client-level DP) is included independently with probability Q (Poisson sampling, not fixed-size batches or "
      + "shuffling); each included update is clipped to L2 norm C, the clipped updates are summed, and Gaussian noise "
      + "of standard deviation S*C is added to every coordinate of the sum. Neighbouring datasets differ by adding or "
      + "removing one record.";
  static final String METHOD = "Renyi DP is computed exactly (Mironov, Talwar and Zhang 2019) at orders 1.1, 1.2, "
      + "..., 10.9 and 12, 13, ..., 63, summed over the steps, and converted to (epsilon, delta) with Balle et al. "
      + "2020, as TF Privacy and Opacus do.";
  static final String DDG_MODEL = "Distributed discrete Gaussian (DDG; Kairouz, Liu and Steinke 2021): each client clips its update "
      + "to L2 norm C, pads it to a power-of-two dimension, rotates it, divides by GAMMA, rounds to integers "
      + "(conditional randomised rounding with BETA), adds discrete Gaussian noise of standard deviation S integer "
      + "units to every coordinate, and secure aggregation reveals only the sum modulo 2^bits. N is the fewest honest "
      + "clients whose noise reaches a round's sum (cohort minus tolerated dropouts and corrupt clients). Neighbours "
      + "differ in one client's update, replaced by zero. The bound is the paper's (Theorem 1, per RDP order) at "
      + "orders 1.1 to 10.9 and 12 to 63, converted with Balle et al. 2020 as for the Gaussian. A sampling rate below 1 uses amplification by Poisson sampling as the paper's code does,"
      + " which holds only against those who do not learn the cohort (not the coordinator): use 1 to claim none.";

  /** Which mechanism a command accounts for. */
  enum Mechanism {
    GAUSSIAN,
    DDG
  }

  /** {@code gaussian} or {@code ddg}, in lower case as the help shows them. */
  static final class MechanismConverter implements ITypeConverter<Mechanism> {
    @Override
    public Mechanism convert(String value) {
      return switch (value) {
        case "gaussian" -> Mechanism.GAUSSIAN;
        case "ddg" -> Mechanism.DDG;
        default -> throw new TypeConversionException("expected gaussian or ddg, got '" + value + "'");
      };
    }
  }

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
          "Prints the epsilon that T steps of the Poisson-subsampled Gaussian mechanism (or, with --mechanism ddg, T "
              + "rounds of the distributed discrete Gaussian) spend at the given delta, and the RDP order that gave it.",
          "",
          PrivacyCommand.MODEL,
          "",
          PrivacyCommand.METHOD,
          "",
          PrivacyCommand.DDG_MODEL,
          "",
          "Epsilon is printed rounded up to 6 significant digits; --json prints it exactly.",
          ""
      })
  static final class Epsilon implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mechanism", paramLabel = "gaussian|ddg", defaultValue = "gaussian", order = 0,
        converter = MechanismConverter.class,
        description = "gaussian (the default): the central Gaussian mechanism; ddg: the distributed discrete Gaussian.")
    Mechanism mechanism;

    @Option(names = "--sampling-rate", required = true, paramLabel = "Q", order = 1,
        description = "Probability that a record takes part in a step, in [0, 1] (for example batch size / dataset size).")
    double samplingRate;

    @Option(names = "--noise-multiplier", paramLabel = "S", order = 2,
        description = "Noise standard deviation divided by the clipping norm C, finite and at least 0 (gaussian only, "
            + "and required for it).")
    Double noiseMultiplier;

    @Mixin
    RunOptions run;

    @Mixin
    DdgOptions ddg;

    @Option(names = "--gamma", paramLabel = "GAMMA", order = 14,
        description = "ddg: the quantisation step, in the update's units per integer unit (clients multiply by "
            + "1/GAMMA), finite and above 0.")
    Double gamma;

    @Option(names = "--local-noise", paramLabel = "S", order = 15,
        description = "ddg: each client's discrete Gaussian standard deviation in integer units (after scaling), at "
            + "least 0.5, the smallest the paper's bound covers.")
    Double localNoise;

    @Override
    public Integer call() {
      checkSamplingRate(spec, samplingRate);
      if (mechanism == Mechanism.DDG) {
        return ddg();
      }
      ddg.refuseFor(spec, "gaussian");
      refuse(spec, gamma, "--gamma", "gaussian");
      refuse(spec, localNoise, "--local-noise", "gaussian");
      check(spec, noiseMultiplier != null, "--noise-multiplier is required for --mechanism gaussian");
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

    private int ddg() {
      refuse(spec, noiseMultiplier, "--noise-multiplier", "ddg (give --local-noise)");
      check(spec, gamma != null, "--gamma is required for --mechanism ddg");
      check(spec, localNoise != null, "--local-noise is required for --mechanism ddg");
      check(spec, localNoise >= DdgAccountant.MIN_LOCAL_NOISE && localNoise < Double.POSITIVE_INFINITY,
          "--local-noise must be finite and at least 0.5 (integer units; the paper's bound assumes it), got " + localNoise);
      run.check(spec);
      DdgEncoding encoding = ddg.encoding(spec, gamma);
      DpGuarantee guarantee = DdgAccountant.epsilon(encoding, localNoise, samplingRate, run.steps, run.delta);
      String text;
      if (run.json) {
        text = "{\"epsilon\": " + json(guarantee.epsilon()) + ", \"order\": " + json(guarantee.order()) + "}";
      } else {
        text = "epsilon = " + roundedUp(guarantee.epsilon()) + " at delta = " + plain(run.delta)
            + " (best RDP order " + plain(guarantee.order()) + ")" + System.lineSeparator()
            + ddg.describe(run.steps, samplingRate, encoding, localNoise);
      }
      print(spec, text);
      return 0;
    }
  }

  /** {@code fedmesh privacy noise}: the smallest noise that meets a target epsilon. */
  @Command(
      name = "noise",
      mixinStandardHelpOptions = true,
      versionProvider = FedmeshVersion.class,
      sortOptions = false,
      description = {
          "Prints the smallest noise multiplier S for which T steps of the Poisson-subsampled Gaussian mechanism at "
              + "sampling rate Q spend at most the target epsilon at the given delta (with --mechanism ddg: the "
              + "smallest local noise, in integer units, for T rounds of the distributed discrete Gaussian with the "
              + "given GAMMA). It is found by bisection: the exact smallest value is at most 0.01%% below the one "
              + "found, and the one found always meets the target.",
          "",
          PrivacyCommand.MODEL,
          "",
          PrivacyCommand.METHOD,
          "",
          PrivacyCommand.DDG_MODEL,
          "",
          "The noise is printed rounded up to 6 significant digits, so it still meets the target; --json "
              + "prints the value found exactly.",
          ""
      })
  static final class Noise implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mechanism", paramLabel = "gaussian|ddg", defaultValue = "gaussian", order = 0,
        converter = MechanismConverter.class,
        description = "gaussian (the default): the central Gaussian mechanism; ddg: the distributed discrete Gaussian.")
    Mechanism mechanism;

    @Option(names = "--sampling-rate", required = true, paramLabel = "Q", order = 1,
        description = "Probability that a record takes part in a step, in [0, 1] (for example batch size / dataset size).")
    double samplingRate;

    @Mixin
    RunOptions run;

    @Option(names = "--target-epsilon", required = true, paramLabel = "E", order = 5,
        description = "The epsilon the whole run may spend, finite and above 0.")
    double targetEpsilon;

    @Mixin
    DdgOptions ddg;

    @Option(names = "--gamma", paramLabel = "GAMMA", order = 14,
        description = "ddg: the quantisation step, in the update's units per integer unit (clients multiply by "
            + "1/GAMMA), finite and above 0.")
    Double gamma;

    @Override
    public Integer call() {
      checkSamplingRate(spec, samplingRate);
      run.check(spec);
      check(spec, targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY,
          "--target-epsilon must be finite and above 0, got " + targetEpsilon);
      if (mechanism == Mechanism.DDG) {
        return ddg();
      }
      ddg.refuseFor(spec, "gaussian");
      refuse(spec, gamma, "--gamma", "gaussian");
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

    private int ddg() {
      check(spec, gamma != null, "--gamma is required for --mechanism ddg");
      DdgEncoding encoding = ddg.encoding(spec, gamma);
      double sigma;
      try {
        sigma = DdgAccountant.localNoise(encoding, samplingRate, run.steps, run.delta, targetEpsilon);
      } catch (IllegalArgumentException e) { // the target cannot be met: the request, not the run, is wrong
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      String text;
      if (run.json) {
        text = "{\"local_noise\": " + json(sigma) + ", \"local_noise_original\": " + json(sigma * gamma) + "}";
      } else {
        double printed = Double.parseDouble(roundedUp(sigma));
        DpGuarantee spent = DdgAccountant.epsilon(encoding, printed, samplingRate, run.steps, run.delta);
        text = "local noise = " + plain(printed) + " integer units, " + roundedUp(printed * gamma)
            + " in the update's units (epsilon " + roundedUp(spent.epsilon()) + " <= " + plain(targetEpsilon)
            + " at delta = " + plain(run.delta) + ", best RDP order " + plain(spent.order()) + ")"
            + System.lineSeparator() + ddg.describe(run.steps, samplingRate, encoding, printed);
      }
      print(spec, text);
      return 0;
    }
  }

  /** {@code fedmesh privacy plan}: gamma and local noise of the distributed discrete Gaussian for a target. */
  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      versionProvider = FedmeshVersion.class,
      sortOptions = false,
      description = {
          "Chooses the quantisation step GAMMA and each client's local noise for the distributed discrete Gaussian so "
              + "that T rounds spend at most the target epsilon at the given delta and the noisy sum fits the "
              + "modulus 2^bits, as the paper's code does (accounting_utils.ddgauss_params): the smallest GAMMA such "
              + "that K standard deviations either side of each coordinate of the sum, in integer units, fit in "
              + "2^bits, each GAMMA with the least local noise that meets the target.",
          "",
          PrivacyCommand.DDG_MODEL,
          "",
          "Text output rounds GAMMA, the local noise, epsilon and the errors up to 6 significant digits (rounding GAMMA "
              + "or the noise up only adds privacy); epsilon is that of the printed values. --json prints exact values.",
          "The expected error is rounding plus noise variance, n GAMMA^2 (1/4 + S^2) per coordinate of the decoded sum "
              + "(and that over n^2 for the mean of n clients), in the update's units squared; it leaves out "
              + "wrap-around (made rare by K) and the bias of conditional rounding.",
          ""
      })
  static final class Plan implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--target-epsilon", required = true, paramLabel = "E", order = 0,
        description = "The epsilon the whole run may spend, finite and above 0.")
    double targetEpsilon;

    @Option(names = "--sampling-rate", required = true, paramLabel = "Q", order = 1,
        description = "Probability that a client takes part in a round, in [0, 1]; 1 claims no amplification by "
            + "sampling (the only choice sound against the coordinator).")
    double samplingRate;

    @Mixin
    RunOptions run;

    @Mixin
    DdgOptions ddg;

    @Option(names = "--bits", required = true, paramLabel = "B", order = 14,
        description = "Bits per coordinate of the secure sum: the modulus is 2^B, B in [1, 62].")
    int bits;

    @Option(names = "--k", paramLabel = "K", order = 15, defaultValue = "4",
        description = "Standard deviations of each coordinate of the noisy sum that must fit in the modulus, either "
            + "side (default ${DEFAULT-VALUE}, the paper's code's choice for training).")
    double k;

    @Override
    public Integer call() {
      checkSamplingRate(spec, samplingRate);
      run.check(spec);
      check(spec, targetEpsilon > 0 && targetEpsilon < Double.POSITIVE_INFINITY,
          "--target-epsilon must be finite and above 0, got " + targetEpsilon);
      check(spec, bits >= 1 && bits <= 62, "--bits must be in [1, 62], got " + bits);
      check(spec, k > 0 && k < Double.POSITIVE_INFINITY, "--k must be finite and above 0, got " + k);
      ddg.checkShape(spec);
      DdgPlan plan;
      try {
        plan = DdgPlanner.plan(new DdgPlanRequest(targetEpsilon, run.delta, ddg.dimension, ddg.clients, run.steps,
            samplingRate, ddg.clip, bits, k, ddg.beta));
      } catch (IllegalArgumentException e) { // no plan: the request, not the run, is wrong
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      print(spec, run.json ? json(plan) : text(plan));
      return 0;
    }

    private String text(DdgPlan plan) {
      // Printed values a user may copy: gamma and the noise rounded up (both only add privacy), and the
      // epsilon of the printed pair, which is therefore at most the planned one.
      double gammaUp = Double.parseDouble(roundedUp(plan.gamma()));
      double noiseUp = Double.parseDouble(roundedUp(plan.localNoiseStddev()));
      DdgEncoding printed = new DdgEncoding(plan.clients(), plan.paddedDimension(), plan.clip(), gammaUp, plan.beta());
      DpGuarantee spent = DdgAccountant.epsilon(printed, noiseUp, plan.samplingRate(), plan.rounds(), plan.delta());
      double mse = plan.clients() * gammaUp * gammaUp * (0.25 + noiseUp * noiseUp);
      String nl = System.lineSeparator();
      return "plan for epsilon <= " + plain(targetEpsilon) + " at delta = " + plain(plan.delta()) + " over "
          + plan.rounds() + " rounds, " + plan.clients() + " honest clients, sampling rate " + plain(plan.samplingRate())
          + ", clip " + plain(plan.clip()) + ", k " + plain(plan.k()) + nl
          + "  bits              " + plan.bits() + " (modulus " + plan.modulus() + ")" + nl
          + "  gamma             " + plain(gammaUp) + " (clients multiply by 1/gamma = " + roundedDown(1 / gammaUp) + ")" + nl
          + "  local noise       " + plain(noiseUp) + " integer units per client and coordinate ("
          + roundedUp(noiseUp * gammaUp) + " in the update's units)" + nl
          + "  beta              " + roundedUp(plan.beta()) + nl
          + "  padded dimension  " + plan.paddedDimension() + " (from " + plan.dimension() + ")" + nl
          + "  epsilon           " + roundedUp(spent.epsilon()) + " (best RDP order " + plain(spent.order()) + ")" + nl
          + "  expected error    " + roundedUp(mse) + " per coordinate of the decoded sum, "
          + roundedUp(mse / ((double) plan.clients() * plan.clients())) + " of the mean of " + plan.clients()
          + " (MSE, the update's units squared)"
          + (plan.samplingRate() < 1 ? nl + "  note              epsilon uses amplification by sampling (rate "
              + plain(plan.samplingRate()) + "): it holds against those who do not learn the cohort, not against the "
              + "coordinator; plan with --sampling-rate 1 for that" : "");
    }

    private static String json(DdgPlan plan) {
      return "{\"bits\": " + plan.bits() + ", \"modulus\": " + plan.modulus() + ", \"gamma\": " + PrivacyCommand.json(plan.gamma())
          + ", \"local_noise\": " + PrivacyCommand.json(plan.localNoiseStddev())
          + ", \"local_noise_original\": " + PrivacyCommand.json(plan.localNoiseStddevOriginal())
          + ", \"beta\": " + PrivacyCommand.json(plan.beta()) + ", \"clip\": " + PrivacyCommand.json(plan.clip())
          + ", \"dimension\": " + plan.dimension() + ", \"padded_dimension\": " + plan.paddedDimension()
          + ", \"clients\": " + plan.clients() + ", \"rounds\": " + plan.rounds()
          + ", \"sampling_rate\": " + PrivacyCommand.json(plan.samplingRate()) + ", \"k\": " + PrivacyCommand.json(plan.k())
          + ", \"epsilon\": " + PrivacyCommand.json(plan.epsilon()) + ", \"delta\": " + PrivacyCommand.json(plan.delta())
          + ", \"order\": " + PrivacyCommand.json(plan.order())
          + ", \"expected_sum_mse\": " + PrivacyCommand.json(plan.expectedSumMse())
          + ", \"expected_mean_mse\": " + PrivacyCommand.json(plan.expectedMeanMse()) + "}";
    }
  }

  /** The shape of a DDG round: who adds noise, how big the update is, how it is clipped and rounded. */
  static final class DdgOptions {
    @Option(names = "--clients", paramLabel = "N", order = 10,
        description = "ddg: the fewest honest clients whose noise reaches a round's sum: cohort minus the dropouts and "
            + "the corrupt clients a round tolerates; at least 1.")
    Integer clients;

    @Option(names = "--dimension", paramLabel = "DIM", order = 11,
        description = "ddg: the update's dimension, in [1, 2^30]; it is padded to the next power of two.")
    Integer dimension;

    @Option(names = "--clip", paramLabel = "C", order = 12,
        description = "ddg: the L2 norm each update is clipped to, in the update's units, finite and above 0.")
    Double clip;

    @Option(names = "--beta", paramLabel = "BETA", order = 13,
        description = "ddg: conditional rounding parameter in [0, 1), 0 for plain randomised rounding (default "
            + "exp(-1/2) = 0.6065..., the paper's code's choice).")
    Double beta;

    /** Refuses DDG options given for another mechanism: silently ignoring them would mislead. */
    void refuseFor(CommandSpec spec, String mechanism) {
      refuse(spec, clients, "--clients", mechanism);
      refuse(spec, dimension, "--dimension", mechanism);
      refuse(spec, clip, "--clip", mechanism);
      refuse(spec, beta, "--beta", mechanism);
    }

    void checkShape(CommandSpec spec) {
      check(spec, clients != null, "--clients is required for the distributed discrete Gaussian");
      check(spec, dimension != null, "--dimension is required for the distributed discrete Gaussian");
      check(spec, clip != null, "--clip is required for the distributed discrete Gaussian");
      check(spec, clients >= 1, "--clients must be at least 1, got " + clients);
      check(spec, dimension >= 1 && dimension <= 1 << 30, "--dimension must be in [1, 2^30], got " + dimension);
      check(spec, clip > 0 && clip < Double.POSITIVE_INFINITY, "--clip must be finite and above 0, got " + clip);
      if (beta == null) {
        beta = DdgPlanRequest.DEFAULT_BETA;
      }
      check(spec, beta >= 0 && beta < 1, "--beta must be in [0, 1), got " + beta);
    }

    DdgEncoding encoding(CommandSpec spec, double gamma) {
      checkShape(spec);
      check(spec, gamma > 0 && gamma < Double.POSITIVE_INFINITY, "--gamma must be finite and above 0, got " + gamma);
      return new DdgEncoding(clients, DdgEncoding.padded(dimension), clip, gamma, beta);
    }

    String describe(long rounds, double samplingRate, DdgEncoding encoding, double localNoise) {
      return "for " + rounds + " rounds of the distributed discrete Gaussian with " + encoding.clients()
          + " honest clients, sampling rate " + plain(samplingRate) + ", padded dimension " + encoding.paddedDimension()
          + " (from " + dimension + "), clip " + plain(encoding.clip()) + ", gamma " + plain(encoding.gamma())
          + ", beta " + roundedUp(encoding.beta()) + " and local noise " + plain(localNoise) + " integer units";
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

  /** Refuses an option given for a mechanism it does not apply to. */
  static void refuse(CommandSpec spec, Object value, String option, String mechanism) {
    check(spec, value == null, option + " does not apply to --mechanism " + mechanism);
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

  /** 6 significant digits, rounded down: for the factor 1/gamma, where a smaller factor is the coarser step. */
  static String roundedDown(double value) {
    return text(new BigDecimal(value).round(new MathContext(6, RoundingMode.FLOOR)));
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
