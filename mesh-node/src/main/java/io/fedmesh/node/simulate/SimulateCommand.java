package io.fedmesh.node.simulate;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.simulation.FederationSimulation;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.coordinator.federation.PrivacySettings;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.TrainTestSplit;
import io.fedmesh.ml.train.Personalisation;
import java.util.List;
import io.fedmesh.ml.strategy.Algorithm;
import io.fedmesh.coordinator.federation.FederationStrategies;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.node.cli.FedmeshVersion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh simulate}: a whole federation in this process, with a report a person can read. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    description = {
        "Simulates a federation in this process: each client trains the model on its own share of the data "
            + "(DJL, PyTorch engine, one client after another), clips its update and masks it; the updates are summed "
            + "through SecAgg+ in malicious-server mode by the same round engines a node runs, and averaged by the strategy, and the global model is scored on the test set "
            + "after every round, next to a centralised baseline trained on the pooled data for as many examples.",
        "",
        "Writes DIR/metrics.csv (one row per round), DIR/summary.json and DIR/accuracy.png. With no arguments it "
            + "runs 10 synthetic card-fraud institutions for 10 rounds (well under a minute).",
        ""
    })
public final class SimulateCommand implements Callable<Integer> {
  /** Large enough that clipping rarely binds without DP (Fashion-MNIST MLP updates exceed 1), small enough for a fine grid. */
  static final double DEFAULT_CLIP = 10.0;

  @Spec
  CommandSpec spec;

  @Option(names = "--clients", paramLabel = "N", description = "Clients in the federation (default: ${DEFAULT-VALUE}).")
  int clients = 10;

  @Option(names = "--rounds", paramLabel = "R", description = "Federated rounds (default: ${DEFAULT-VALUE}).")
  int rounds = 10;

  @Option(names = "--dataset", paramLabel = "DATA", description = "synthetic (card fraud, the default), fashion-mnist "
      + "(IDX files from the Debian package dataset-fashion-mnist) or csv:PATH (numeric features and a 'label' column).")
  String dataset = "synthetic";

  @Option(names = "--fashion-mnist-dir", paramLabel = "DIR", description = "Where the Fashion-MNIST IDX files are "
      + "(default: ${DEFAULT-VALUE}).")
  Path fashionDir = SimulationData.FASHION_MNIST;

  @Option(names = "--rows-per-client", paramLabel = "N", description = "Synthetic data: transactions per institution "
      + "(default: ${DEFAULT-VALUE}).")
  int rowsPerClient = 1000;

  @Option(names = "--partition", paramLabel = "P", description = "How the data is split: iid, dirichlet:ALPHA (label "
      + "skew), quantity:ALPHA (size skew), or natural (synthetic only, one institution per client; its default; "
      + "iid for the others).")
  String partition;

  @Option(names = "--model", paramLabel = "SPEC", description = "logistic, mlp, mlp:W1,W2,..., cnn, "
      + "torchscript:FILE.pt#SHA256 (a model exported from PyTorch), or a JSON spec file (docs/ml.md). Default: mlp:32 for synthetic, mlp (128 hidden) otherwise.")
  String model;

  @Option(names = "--algorithm", paramLabel = "A", description = "fedavg (default), fedprox (with --mu), scaffold, "
      + "fedavgm, fedadam, fedyogi or fedadagrad (docs/ml.md, \"Choosing an algorithm\").")
  String algorithm = "fedavg";

  @Option(names = "--beta1", paramLabel = "B", description = "Server optimisers' beta_1 (FedAvgM's momentum) "
      + "(default: ${DEFAULT-VALUE}).")
  double beta1 = AdaptiveOptions.defaults().beta1();

  @Option(names = "--beta2", paramLabel = "B", description = "FedAdam's and FedYogi's beta_2 (default: ${DEFAULT-VALUE}).")
  double beta2 = AdaptiveOptions.defaults().beta2();

  @Option(names = "--tau", paramLabel = "T", description = "Adaptive optimisers' tau (default: ${DEFAULT-VALUE}).")
  double tau = AdaptiveOptions.defaults().tau();

  @Option(names = "--mu", paramLabel = "MU", description = "FedProx's proximal weight (default: ${DEFAULT-VALUE}).")
  double mu = 0.01;

  @Option(names = "--private-layers", paramLabel = "P", split = ",", description = "Personalisation (FedPer): parameter-name "
      + "prefixes of layers each client keeps to itself, never sent (e.g. 04Linear, the output layer of an MLP with one "
      + "hidden layer; an unknown prefix is refused with the model's parameter names). Enables per-client held-out evaluation.")
  java.util.List<String> privateLayers = new java.util.ArrayList<>();

  @Option(names = "--fine-tune-epochs", paramLabel = "E", description = "Personalisation: local epochs each client "
      + "fine-tunes the global model for before its personalised evaluation (default: ${DEFAULT-VALUE}; > 0 enables "
      + "per-client held-out evaluation).")
  int fineTuneEpochs = 0;

  @Option(names = "--client-holdout", paramLabel = "F", description = "Fraction of each client's rows held out for the "
      + "per-client (global and personalised) evaluation when personalising (default: ${DEFAULT-VALUE}).")
  double clientHoldout = 0.2;

  @Option(names = "--optimizer", paramLabel = "O", description = "Local optimiser: sgd (default) or adam.")
  String optimizer = "sgd";

  @Option(names = "--lr", paramLabel = "LR", description = "Local learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate = 0.1;

  @Option(names = "--epochs", paramLabel = "E", description = "Local epochs per round (default: ${DEFAULT-VALUE}).")
  int epochs = 1;

  @Option(names = "--batch-size", paramLabel = "B", description = "Local batch size (default: ${DEFAULT-VALUE}).")
  int batchSize = 64;

  @Option(names = "--fraction", paramLabel = "F", description = "Fraction of clients per round without DP "
      + "(default: ${DEFAULT-VALUE}).")
  double fraction = 1.0;

  @Option(names = "--server-lr", paramLabel = "LR", description = "Server learning rate (default: ${DEFAULT-VALUE}).")
  double serverLearningRate = 1.0;

  @Option(names = "--dp-noise", paramLabel = "SIGMA", description = "Client-level DP: noise multiplier "
      + "(needs --clip and --sampling-rate; clients are then Poisson-sampled, and the noise is added as --dp-mode says).")
  Double dpNoise;

  @Option(names = "--dp-mode", paramLabel = "MODE", description = "Who adds the client-level noise: central (the "
      + "coordinator, to the integer sum; it is trusted with the un-noised sum) or distributed (each participant, with "
      + "the distributed discrete Gaussian inside SecAgg+; no one is) (default: ${DEFAULT-VALUE}).")
  String dpMode = "central";

  @Option(names = "--ddg-bits", paramLabel = "BITS", description = "Distributed DP: bits per coordinate of the modulus "
      + "participants wrap into, 2 to 32 (below 32 simulates a narrower wire; default: ${DEFAULT-VALUE}).")
  int ddgBits = 32;

  @Option(names = "--clip", paramLabel = "C", description = "Clip each update to this L2 norm; SecAgg+ quantises "
      + "values in [-C, C] (default: " + DEFAULT_CLIP + ").")
  Double clip;

  @Option(names = "--sampling-rate", paramLabel = "Q", description = "DP: probability each client takes part in a round.")
  Double samplingRate;

  @Option(names = "--delta", paramLabel = "D", description = "DP: the delta epsilon is reported for "
      + "(default: ${DEFAULT-VALUE}).")
  double delta = 1e-5;

  @Option(names = "--no-baseline", description = "Skip the centralised baseline.")
  boolean noBaseline;

  @Option(names = "--dp-sgd-noise", paramLabel = "SIGMA", description = "Record-level DP: every client trains with DP-SGD "
      + "(per-example clipping to --dp-sgd-clip, Gaussian noise SIGMA times it, Poisson batches of expected size "
      + "--batch-size). Combines with --dp-noise.")
  Double dpSgdNoise;

  @Option(names = "--dp-sgd-clip", paramLabel = "C", description = "DP-SGD: the per-example gradient norm (default: "
      + "${DEFAULT-VALUE}).")
  double dpSgdClip = 1.0;

  @Option(names = "--omit-non-private", description = "Under DP, leave out of the report what is not differentially "
      + "private (participants and examples per round, un-noised training loss, speed, the centralised baseline, which "
      + "is then not trained). Without it they are reported, labelled non-private.")
  boolean omitNonPrivate;

  @Option(names = "--seed", description = "Seed of the data, partition, initial model and sampling (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the report goes (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("fedmesh-simulation");

  @Override
  public Integer call() throws Exception {
    check();
    String part = partition != null ? partition : dataset.equals("synthetic") ? "natural" : "iid";
    ModelSpec spec;
    Strategy strategy;
    TrainingOptions options;
    try {
      spec = ModelSpec.parse(model != null ? model : dataset.equals("synthetic") ? "mlp:32" : "mlp");
      options = new TrainingOptions(TrainingOptions.Optimizer.parse(optimizer), learningRate, epochs, batchSize,
          algorithm.equalsIgnoreCase("fedprox") ? mu : 0);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec().commandLine(), e.getMessage());
    }
    SimulationData data;
    FederationSettings settings;
    try {
      data = SimulationData.load(dataset, part, clients, rowsPerClient, fashionDir, seed);
      settings = settings(spec, options, data);
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("--fraction must be in (0, 1], got " + fraction);
      }
      // Seeded central noise: a simulation's DP numbers are nominal (docs/ml.md).
      strategy = FederationStrategies.of(settings, fraction, data.clients().size(), SimulationRandom.fromSeed(seed + 3));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec().commandLine(), e.getMessage());
    }
    PrivacyTracker privacy = dpNoise == null ? null : new PrivacyTracker(settings, samplingRate, delta);
    String summation = "SecAgg+ (malicious-server mode, values in [-" + settings.clipNorm() + ", " + settings.clipNorm()
        + "], dropout " + settings.targetDropout() + ", corrupt " + settings.targetCorrupt() + ")";

    PrintWriter err = spec().commandLine().getErr();
    PrintWriter stdout = spec().commandLine().getOut();
    stdout.println("simulating: " + data.description());
    stdout.println("model " + spec.describe() + ", " + strategy.describe() + ", " + summation);
    Progress progress = new Progress(err, rounds, System.console() != null);
    long start = System.nanoTime();
    List<Dataset> trains = data.clients();
    List<Dataset> holdouts = null;
    if (settings.personalisation().enabled()) {
      trains = new java.util.ArrayList<>();
      holdouts = new java.util.ArrayList<>();
      for (int c = 0; c < data.clients().size(); c++) {
        TrainTestSplit split = TrainTestSplit.holdOut(data.clients().get(c), clientHoldout, seed * 1_000 + c);
        trains.add(split.train());
        holdouts.add(split.test());
      }
    }
    FederationSimulation.Result result = new FederationSimulation(settings, trains, holdouts, data.test(), strategy, seed,
        System::nanoTime).run(rounds, !noBaseline && !(omitNonPrivate && dpNoise != null), record -> {
          // An aborted round releases nothing, but charging it too keeps the report simple and errs on the safe side.
          if (privacy != null) {
            privacy.step(record);
          }
          progress.round(record, privacy);
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    progress.done();

    SimulationReport report = new SimulationReport(data.description(), spec.describe(), strategy.describe(),
        summation, result, privacy, seconds, hyperparameters(), omitNonPrivate);
    report.write(out);
    RoundRecord last = result.rounds().get(result.rounds().size() - 1);
    stdout.println(String.format(Locale.ROOT, "round %d: test accuracy %.4f, loss %.4f%s%s", last.round(),
        last.test().accuracy(), last.test().loss(), Double.isNaN(last.test().auc()) ? "" : String.format(Locale.ROOT, ", AUC %.4f", last.test().auc()),
        last.baseline() == null ? "" : String.format(Locale.ROOT, privacy == null ? "; centralised baseline %.4f"
            : "; centralised baseline (non-private) %.4f", last.baseline().accuracy())));
    if (privacy != null) {
      stdout.println(privacy.describe());
    }
    if (dpSgdNoise != null) {
      stdout.println(RecordLevelPrivacy.describe(settings, data.clients(), rounds, delta));
    }
    if (last.federatedPersonalised() != null) {
      stdout.println(String.format(Locale.ROOT, "on the clients' own held-out rows%s: global model accuracy %.4f AUC %.4f, "
          + "personalised %.4f AUC %.4f", privacy != null ? " (non-private)" : "", last.federatedGlobal().accuracy(),
          last.federatedGlobal().auc(), last.federatedPersonalised().accuracy(), last.federatedPersonalised().auc()));
    }
    stdout.println(String.format(Locale.ROOT, "%.1f s; report in %s (metrics.csv, summary.json, accuracy.png)", seconds, out));
    return 0;
  }

  /** The federation settings of the simulated federation (the coordinator id is the simulation's own). */
  private FederationSettings settings(ModelSpec spec, TrainingOptions options, SimulationData data) {
    var first = data.clients().get(0);
    long cap = data.clients().stream().mapToLong(c -> c.size()).max().orElse(1);
    boolean dp = dpNoise != null;
    return new FederationSettings(NodeId.ofBytes(new byte[NodeId.BYTES]), spec, first.sampleShape(), first.classes(), seed,
        algorithm, serverLearningRate, options, 2, 100_000, dp ? samplingRate : 1.0, 60_000, 30_000, 30_000, 0.1, 0.05,
        Math.max(1, cap), dp, clip != null ? clip : DEFAULT_CLIP, dp ? dpNoise : 0, delta,
        new PrivacySettings(PrivacySettings.Mode.parse(dpMode), ddgBits, PrivacySettings.DEFAULT_BETA,
            dpSgdNoise == null ? null : new PrivacySettings.DpSgd(dpSgdClip, dpSgdNoise, batchSize)),
        new AdaptiveOptions(beta1, beta2, tau), new Personalisation(privateLayers, fineTuneEpochs));
  }

  /** Every option of this run with the value it had (defaults included): what summary.json records. */
  private java.util.Map<String, String> hyperparameters() {
    java.util.Map<String, String> all = new java.util.LinkedHashMap<>();
    for (var option : spec.options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue;
      }
      Object value = option.getValue();
      all.put(option.longestName().replaceFirst("^-+", ""), value == null ? "" : String.valueOf(value));
    }
    return all;
  }

  private CommandSpec spec() {
    return spec;
  }

  private void check() {
    if (clients < 1 || clients > 100_000) {
      throw new ParameterException(spec.commandLine(), "--clients must be in [1, 100000], got " + clients);
    }
    if (rounds < 1 || rounds > 100_000) {
      throw new ParameterException(spec.commandLine(), "--rounds must be in [1, 100000], got " + rounds);
    }
    if (rowsPerClient < 1 || (long) rowsPerClient * clients > 50_000_000L) {
      throw new ParameterException(spec.commandLine(), "--rows-per-client must be >= 1 and at most 50M rows in all");
    }
    try {
      Algorithm.parse(algorithm);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--algorithm: " + e.getMessage());
    }
    if (dpNoise != null && (clip == null || samplingRate == null)) {
      throw new ParameterException(spec.commandLine(), "--dp-noise needs --clip and --sampling-rate");
    }
    if (dpNoise == null && samplingRate != null) {
      throw new ParameterException(spec.commandLine(), "--sampling-rate is for DP rounds (with --dp-noise); use --fraction otherwise");
    }
    if (!dpMode.equalsIgnoreCase("central") && !dpMode.equalsIgnoreCase("distributed")) {
      throw new ParameterException(spec.commandLine(), "--dp-mode must be central or distributed, got '" + dpMode + "'");
    }
    if (ddgBits < 2 || ddgBits > 32) {
      throw new ParameterException(spec.commandLine(), "--ddg-bits must be in [2, 32], got " + ddgBits);
    }
    if (dpSgdNoise != null && (!(dpSgdNoise > 0) || dpSgdNoise > 1000 || !(dpSgdClip > 0) || Double.isInfinite(dpSgdClip))) {
      throw new ParameterException(spec.commandLine(), "--dp-sgd-noise must be in (0, 1000] and --dp-sgd-clip positive and finite");
    }
    if (!(delta > 0 && delta < 1)) {
      throw new ParameterException(spec.commandLine(), "--delta must be in (0, 1), got " + delta);
    }
  }
}
