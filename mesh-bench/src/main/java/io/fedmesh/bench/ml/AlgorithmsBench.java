package io.fedmesh.bench.ml;

import io.fedmesh.bench.Median;
import io.fedmesh.bench.report.LineChart;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.simulation.FederationSimulation;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.DirichletPartitioner;
import io.fedmesh.ml.data.IdxFiles;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.coordinator.federation.FederationStrategies;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.TrainingOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Issue 17's benchmark: federated algorithms against each other under the same data, model, local
 * training and seeds. The {@code fmnist} table runs each algorithm on a Dirichlet(alpha) label-skewed
 * split for every alpha and reports each round's median test accuracy over the seeds, and whether the
 * best of SCAFFOLD/FedAdam/FedYogi reaches FedAvg's final accuracy in at most half the rounds. The
 * {@code fraud} table runs them on synthetic card fraud split naturally (one institution per client)
 * and reports the final median AUC. Every table is printed, charted as a PNG, and its raw per-seed
 * rounds go to a CSV.
 *
 * <p>Only the strategy differs between the runs of one table: each seed fixes the split, the initial
 * weights and the shuffling, and every algorithm sees the same ones. The centralised baseline is not
 * trained (it would double the cost and is the same for all algorithms; {@code fedmesh bench ml} has it).
 */
public final class AlgorithmsBench {
  /** Every name {@link FederationSettings#strategy()} will accept once issue 17 lands. */
  public static final List<String> ALGORITHMS = List.of("fedavg", "fedprox", "scaffold", "fedavgm", "fedadam", "fedyogi",
      "fedadagrad");
  /** The algorithms the target is about: the best of them must reach FedAvg's final accuracy in half the rounds. */
  public static final List<String> ACCELERATED = List.of("scaffold", "fedadam", "fedyogi");
  /** The Dirichlet alpha the issue's target is checked at; other alphas report the same line for information. */
  public static final double TARGET_ALPHA = 0.1;
  /** Updates are clipped to this L2 norm (SecAgg+ quantises within it): large enough to rarely bind, as in the ML bench. */
  static final double CLIP = 10.0;

  /**
   * Rough cost of one round on 2 shared cores (one libtorch thread), measured 2026-12-05 with this
   * bench (FedAvg and FedProx, 10 clients, 5 rounds): Fashion-MNIST MLP 784-128-10, one epoch of 60,000
   * examples split over 10 clients, SecAgg+ and evaluation on 10,000 included, 2.4 s; synthetic fraud,
   * 10 institutions x 1,000 transactions, MLP 12-32-2, 0.1 s. For the up-front estimate only: the
   * progress lines give a measured ETA.
   */
  static final double FMNIST_SECONDS_PER_ROUND = 2.4;
  static final double FRAUD_SECONDS_PER_ROUND = 0.12;

  private AlgorithmsBench() {}

  /**
   * The server side's hyper-parameters, one set per algorithm family, identical across tables.
   *
   * @param serverLearningRate FedAvg, FedProx, SCAFFOLD and FedAvgM: the step the global model takes along the mean update
   * @param adaptiveLearningRate FedAdam, FedYogi, FedAdagrad: eta (Reddi et al. 2021)
   * @param tau the adaptive optimisers' epsilon: how far the second moment may shrink the step
   * @param beta1 the adaptive optimisers' first-moment decay (and FedAvgM's momentum is {@code momentum})
   * @param beta2 FedAdam's and FedYogi's second-moment decay
   * @param momentum FedAvgM's server momentum
   * @param proximalMu FedProx's mu
   */
  public record ServerOptions(double serverLearningRate, double adaptiveLearningRate, double tau, double beta1,
      double beta2, double momentum, double proximalMu) {
    public ServerOptions {
      if (!(serverLearningRate > 0) || !(adaptiveLearningRate > 0) || !(tau > 0) || !(beta1 >= 0 && beta1 < 1)
          || !(beta2 >= 0 && beta2 < 1) || !(momentum >= 0 && momentum < 1) || !(proximalMu > 0)
          || Double.isInfinite(serverLearningRate) || Double.isInfinite(adaptiveLearningRate) || Double.isInfinite(tau)
          || Double.isInfinite(proximalMu)) {
        throw new IllegalArgumentException("server options: learning rates, tau and mu must be positive and finite, "
            + "beta1, beta2 and momentum in [0, 1)");
      }
    }

    /** Reddi et al.'s defaults for the adaptive optimisers, and plain steps for the rest. */
    public static ServerOptions defaults() {
      return new ServerOptions(1.0, 0.03, 1e-3, 0.9, 0.99, 0.9, 0.01);
    }

    /** The learning rate {@code algorithm}'s settings carry: eta for the adaptive ones, the server rate otherwise. */
    public double learningRateOf(String algorithm) {
      return adaptive(algorithm) ? adaptiveLearningRate : serverLearningRate;
    }

    /** What {@code algorithm} runs with, for the table header. */
    public String describe(String algorithm) {
      return switch (algorithm) {
        case "fedprox" -> String.format(Locale.ROOT, "fedprox mu=%s server-lr=%s", num(proximalMu), num(serverLearningRate));
        case "fedavgm" -> String.format(Locale.ROOT, "fedavgm server-lr=%s momentum=%s", num(serverLearningRate), num(momentum));
        case "fedadam", "fedyogi" -> String.format(Locale.ROOT, "%s eta=%s tau=%s beta1=%s beta2=%s", algorithm,
            num(adaptiveLearningRate), num(tau), num(beta1), num(beta2));
        case "fedadagrad" -> String.format(Locale.ROOT, "fedadagrad eta=%s tau=%s beta1=%s", num(adaptiveLearningRate),
            num(tau), num(beta1));
        default -> String.format(Locale.ROOT, "%s server-lr=%s", algorithm, num(serverLearningRate));
      };
    }

    private static boolean adaptive(String algorithm) {
      return algorithm.equals("fedadam") || algorithm.equals("fedyogi") || algorithm.equals("fedadagrad");
    }

    private static String num(double v) {
      return v == Math.rint(v) && Math.abs(v) < 1e6 ? String.valueOf(v) : String.valueOf(v).replaceAll("0+$", "");
    }
  }

  /**
   * One run of the benchmark.
   *
   * @param dataset the data of the {@code fmnist} table: fashion-mnist, or synthetic (the card-fraud rows pooled and
   *     Dirichlet-split like Fashion-MNIST: fast, for smoke runs and tests)
   * @param tables which tables: fmnist (one per alpha) and/or fraud
   * @param model the model of the fmnist table; fraudModel that of the fraud table (each the same for every algorithm)
   * @param fraudRows transactions per institution (synthetic data)
   * @param training local training, the same for every algorithm (FedProx adds its mu to it)
   * @param out where the PNGs, rounds.csv and report.txt go
   */
  public record Setup(String dataset, Path dataDir, List<String> tables, int clients, int rounds, int seeds,
      List<Double> alphas, List<String> algorithms, ModelSpec model, ModelSpec fraudModel, int fraudRows,
      TrainingOptions training, ServerOptions server, Path out, int firstSeed) {
    /** Seeds 1..seeds. */
    public Setup(String dataset, Path dataDir, List<String> tables, int clients, int rounds, int seeds,
        List<Double> alphas, List<String> algorithms, ModelSpec model, ModelSpec fraudModel, int fraudRows,
        TrainingOptions training, ServerOptions server, Path out) {
      this(dataset, dataDir, tables, clients, rounds, seeds, alphas, algorithms, model, fraudModel, fraudRows, training,
          server, out, 1);
    }

    public Setup {
      tables = List.copyOf(tables);
      alphas = List.copyOf(alphas);
      algorithms = List.copyOf(algorithms);
    }

    /** Federated rounds the run will train: algorithms x seeds x rounds, per alpha and for the fraud table. */
    public long fmnistRounds() {
      return tables.contains("fmnist") ? (long) alphas.size() * algorithms.size() * seeds * rounds : 0;
    }

    public long fraudRounds() {
      // One more run per seed: the personalised table's FedAvg with private layers.
      return tables.contains("fraud") ? (long) (algorithms.size() + 1) * seeds * rounds : 0;
    }

    /** A rough wall-clock estimate in seconds, from the measured cost of a round at the default size. */
    public double estimatedSeconds() {
      double fmnistRound = FMNIST_SECONDS_PER_ROUND * training.epochs();
      if (!dataset.equals("fashion-mnist")) {
        fmnistRound = FRAUD_SECONDS_PER_ROUND * training.epochs();
      }
      // Per round: the local epochs over the whole data (fixed) plus SecAgg+ and evaluation, which grow with clients.
      double clientScale = 0.5 + 0.5 * clients / 10.0;
      return (fmnistRounds() * fmnistRound + fraudRounds() * FRAUD_SECONDS_PER_ROUND * training.epochs()) * clientScale;
    }
  }

  /** Each algorithm's curves over the seeds: {@code accuracy[seed][round - 1]}, likewise {@code auc} (NaN if not binary). */
  public record Curve(String algorithm, double[][] accuracy, double[][] auc) {
    public double[] medianAccuracy() {
      return medianPerRound(accuracy);
    }

    public double[] medianAuc() {
      return medianPerRound(auc);
    }
  }

  /**
   * One table as printed: its name (also the PNG's file name), its text, the curves behind it, its chart,
   * and for a Dirichlet table the target check (null otherwise, or when it cannot be evaluated).
   */
  public record Table(String name, String text, List<Curve> curves, Path png, Target target) {}

  /**
   * The issue's target on one Dirichlet table.
   *
   * @param fedAvgFinal FedAvg's median accuracy at the last round
   * @param firstReaching per accelerated algorithm run, the first round whose median accuracy is at least that (0: never)
   * @param best the smallest of those (0: none reached it)
   * @param pass whether best is in 1..rounds/2
   */
  public record Target(double alpha, int rounds, double fedAvgFinal, java.util.Map<String, Integer> firstReaching, int best,
      boolean pass) {}

  /** What a run produced. */
  public record Result(List<Table> tables, Path csv, Path report) {}

  /** The strategy {@code settings} call for, built by the federation's own factory (no DP here, so no noise source is used). */
  static Strategy strategyFor(FederationSettings settings, int clients, ServerOptions server) {
    return FederationStrategies.of(settings, 1.0, clients, SimulationRandom.fromSeed(1));
  }

  /**
   * The settings every run of {@code algorithm} on {@code clients} uses: everyone takes part every round,
   * weights are example counts (capped at the largest client), no DP.
   */
  static FederationSettings settingsFor(String algorithm, Setup setup, ModelSpec model, List<Dataset> clients, long seed) {
    Dataset first = clients.get(0);
    long cap = clients.stream().mapToLong(Dataset::size).max().orElse(1);
    TrainingOptions options = algorithm.equals("fedprox") ? setup.training().withProximalMu(setup.server().proximalMu())
        : setup.training();
    ServerOptions server = setup.server();
    // FedAvgM's momentum is the optimisers' beta_1 in the federation's settings.
    AdaptiveOptions adaptive = new AdaptiveOptions(algorithm.equals("fedavgm") ? server.momentum() : server.beta1(),
        server.beta2(), server.tau());
    return new FederationSettings(NodeId.ofBytes(new byte[NodeId.BYTES]), model, first.sampleShape(), first.classes(), seed,
        algorithm, server.learningRateOf(algorithm), options, 2, 100_000, 1.0, 60_000, 30_000, 30_000, 0.1, 0.05,
        Math.max(1, cap), false, CLIP, 0, 1e-5).withAdaptive(adaptive);
  }

  /**
   * Builds every requested algorithm's settings and strategy on a two-client probe, so a run that would
   * fail at its third algorithm after an hour fails now instead.
   *
   * @throws IllegalArgumentException naming the first algorithm whose settings do not hold
   */
  public static void checkAvailable(Setup setup) {
    Dataset probe = new Dataset(new float[] {0, 1}, new int[] {0, 1}, new int[] {1}, 2);
    List<Dataset> two = List.of(probe, probe);
    for (String algorithm : setup.algorithms()) {
      strategyFor(settingsFor(algorithm, setup, setup.model(), two, 1), 2, setup.server());
    }
  }

  /** Runs the requested tables, printing each to {@code out} as it completes and progress to {@code err}. */
  public static Result run(Setup setup, PrintWriter out, PrintWriter err) throws IOException {
    checkAvailable(setup);
    Files.createDirectories(setup.out());
    Path csv = setup.out().resolve("rounds.csv");
    Progress progress = new Progress(err, setup.fmnistRounds() + setup.fraudRounds());
    List<Table> tables = new ArrayList<>();
    StringBuilder report = new StringBuilder();
    try (PrintWriter rows = new PrintWriter(Files.newBufferedWriter(csv))) {
      rows.println("table,algorithm,seed,round,committed,accuracy,auc,loss");
      if (setup.tables().contains("fmnist")) {
        List<Dataset> fmnist = setup.dataset().equals("fashion-mnist")
            ? List.of(IdxFiles.fashionMnist(setup.dataDir(), true), IdxFiles.fashionMnist(setup.dataDir(), false)) : null;
        for (double alpha : setup.alphas()) {
          String name = "fmnist-alpha" + alpha;
          List<Curve> curves = runTable(setup, setup.model(), seed -> dirichlet(setup, fmnist, alpha, seed), name, rows, progress);
          Table table = dirichletTable(setup, alpha, name, curves);
          tables.add(table);
          emit(out, report, table.text());
        }
      }
      if (setup.tables().contains("fraud")) {
        List<Curve> curves = runTable(setup, setup.fraudModel(), seed -> natural(setup, seed), "fraud-natural", rows, progress);
        Table table = fraudTable(setup, curves);
        tables.add(table);
        emit(out, report, table.text());
        Table personal = personalisedTable(setup, progress);
        tables.add(personal);
        emit(out, report, personal.text());
      }
    }
    Path text = setup.out().resolve("report.txt");
    Files.writeString(text, header(setup) + report);
    return new Result(tables, csv, text);
  }

  /** The run's plan, printed before anything trains: what runs, with which hyper-parameters, and for how long. */
  public static String header(Setup setup) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "algorithms %s; %d clients, %d rounds, median of %s; local training: %s lr %s, "
        + "batch %d, %d epoch(s), identical for every algorithm; updates clipped to L2 %s; everyone takes part every round%n",
        String.join(",", setup.algorithms()), setup.clients(), setup.rounds(), seeds(setup.seeds()),
        setup.training().optimizer().name().toLowerCase(Locale.ROOT), setup.training().learningRate(),
        setup.training().batchSize(), setup.training().epochs(), CLIP));
    b.append("server: ").append(setup.algorithms().stream().map(a -> setup.server().describe(a))
        .collect(Collectors.joining("; "))).append(System.lineSeparator());
    b.append(String.format(Locale.ROOT, "plan: %d federated rounds (%d on %s, %d on synthetic fraud); rough estimate %s on 2 "
        + "cores (progress on stderr gives a measured ETA)%n", setup.fmnistRounds() + setup.fraudRounds(), setup.fmnistRounds(),
        setup.dataset(), setup.fraudRounds(), duration(setup.estimatedSeconds())));
    return b.toString();
  }

  /** One seed's federation: the clients' data and the shared test set. */
  private record Federation(List<Dataset> clients, Dataset test) {}

  private interface Federations {
    Federation forSeed(long seed);
  }

  private static Federation dirichlet(Setup setup, List<Dataset> fmnist, double alpha, long seed) {
    Dataset train;
    Dataset test;
    if (fmnist != null) {
      train = fmnist.get(0);
      test = fmnist.get(1);
    } else {
      // Synthetic stand-in: the card-fraud rows pooled, then label-skewed like Fashion-MNIST.
      SyntheticFraud world = new SyntheticFraud(setup.clients(), seed);
      train = world.all(setup.fraudRows(), 0);
      test = world.all(Math.max(100, setup.fraudRows() / 2), 1);
    }
    List<Dataset> parts = new ArrayList<>();
    // The same Random(seed) split as fedmesh bench ml, so seed s is the same federation in both benches.
    for (int[] rows : new DirichletPartitioner(alpha).split(train, setup.clients(), new Random(seed))) {
      parts.add(train.subset(rows));
    }
    return new Federation(parts, test);
  }

  /** The synthetic data's natural split, as fedmesh simulate builds it: one institution per client. */
  private static Federation natural(Setup setup, long seed) {
    SyntheticFraud world = new SyntheticFraud(setup.clients(), seed);
    List<Dataset> parts = new ArrayList<>();
    for (int i = 0; i < setup.clients(); i++) {
      parts.add(world.institution(i, setup.fraudRows(), 0));
    }
    return new Federation(parts, world.all(Math.max(100, setup.fraudRows() / 2), 1));
  }

  private static List<Curve> runTable(Setup setup, ModelSpec model, Federations federations, String name, PrintWriter rows,
      Progress progress) {
    int n = setup.algorithms().size();
    double[][][] accuracy = new double[n][setup.seeds()][];
    double[][][] auc = new double[n][setup.seeds()][];
    // Seeds outside, algorithms inside: each seed's split is built once and shared by every algorithm.
    for (int s = 1; s <= setup.seeds(); s++) {
      // Seeds firstSeed.. (server learning rates are tuned on seeds other than the reported ones).
      long seed = setup.firstSeed() + s - 1L;
      Federation federation = federations.forSeed(seed);
      for (int a = 0; a < n; a++) {
        String algorithm = setup.algorithms().get(a);
        FederationSettings settings = settingsFor(algorithm, setup, model, federation.clients(), seed);
        Strategy strategy = strategyFor(settings, federation.clients().size(), setup.server());
        List<RoundRecord> records = new FederationSimulation(settings, federation.clients(), federation.test(), strategy, seed,
            System::nanoTime).run(setup.rounds(), false, r -> progress.round()).rounds();
        accuracy[a][s - 1] = records.stream().mapToDouble(r -> r.test().accuracy()).toArray();
        auc[a][s - 1] = records.stream().mapToDouble(r -> r.test().auc()).toArray();
        for (RoundRecord r : records) {
          rows.printf(Locale.ROOT, "%s,%s,%d,%d,%s,%.6f,%s,%.6f%n", name, algorithm, s, r.round(), r.committed(),
              r.test().accuracy(), Double.isNaN(r.test().auc()) ? "" : String.format(Locale.ROOT, "%.6f", r.test().auc()),
              r.test().loss());
        }
        rows.flush();
        progress.runDone(name, algorithm, s, records.get(records.size() - 1));
      }
    }
    List<Curve> curves = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      curves.add(new Curve(setup.algorithms().get(a), accuracy[a], auc[a]));
    }
    return curves;
  }

  /** Rounds the tables show: every 5th, and the last. */
  public static List<Integer> shownRounds(int rounds) {
    List<Integer> shown = new ArrayList<>();
    for (int r = 5; r < rounds; r += 5) {
      shown.add(r);
    }
    shown.add(rounds);
    return shown;
  }

  private static Table dirichletTable(Setup setup, double alpha, String name, List<Curve> curves) throws IOException {
    StringBuilder b = new StringBuilder();
    String data = setup.dataset().equals("fashion-mnist") ? "Fashion-MNIST" : "synthetic fraud (pooled)";
    b.append(String.format(Locale.ROOT, "%n== %s, Dirichlet alpha %s, %d clients, model %s, %d rounds: median test accuracy "
        + "over %s ==%n", data, alpha, setup.clients(), setup.model().describe(), setup.rounds(), seeds(setup.seeds())));
    b.append("server: ").append(curves.stream().map(c -> setup.server().describe(c.algorithm()))
        .collect(Collectors.joining("; "))).append(System.lineSeparator());
    b.append(columns("round", curves));
    for (int r : shownRounds(setup.rounds())) {
      b.append(String.format(Locale.ROOT, "%5d", r));
      for (Curve c : curves) {
        b.append(String.format(Locale.ROOT, "  %10.4f", c.medianAccuracy()[r - 1]));
      }
      b.append(System.lineSeparator());
    }
    Target target = target(alpha, setup.rounds(), curves);
    b.append(describe(target, setup.rounds(), alpha)).append(System.lineSeparator());
    Path png = setup.out().resolve(name + ".png");
    chart(String.format(Locale.ROOT, "%s, Dirichlet %s, %d clients: median test accuracy of %s", data, alpha,
        setup.clients(), seeds(setup.seeds())), "test accuracy", curves, false, png);
    b.append("chart: ").append(png).append(System.lineSeparator());
    return new Table(name, b.toString(), curves, png, target);
  }

  private static Table fraudTable(Setup setup, List<Curve> curves) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%n== synthetic card fraud, natural split (one institution per client), %d "
        + "institutions x %d transactions, model %s, %d rounds: median over %s ==%n", setup.clients(), setup.fraudRows(),
        setup.fraudModel().describe(), setup.rounds(), seeds(setup.seeds())));
    b.append("server: ").append(curves.stream().map(c -> setup.server().describe(c.algorithm()))
        .collect(Collectors.joining("; "))).append(System.lineSeparator());
    b.append(String.format(Locale.ROOT, "%-12s  %12s  %12s%n", "algorithm", "AUC@" + setup.rounds(), "acc@" + setup.rounds()));
    for (Curve c : curves) {
      b.append(String.format(Locale.ROOT, "%-12s  %12.4f  %12.4f%n", c.algorithm(), last(c.medianAuc()),
          last(c.medianAccuracy())));
    }
    Path png = setup.out().resolve("fraud-natural.png");
    chart(String.format(Locale.ROOT, "synthetic fraud, natural split, %d institutions: median test AUC of %s",
        setup.clients(), seeds(setup.seeds())), "test AUC", curves, true, png);
    b.append("chart: ").append(png).append(System.lineSeparator());
    return new Table("fraud-natural", b.toString(), curves, png, null);
  }

  /**
   * Personalised against global AUC per institution, on the fraud data's natural split: FedAvg where each
   * institution keeps the output layer to itself (FedPer) and fine-tunes one local epoch before it
   * evaluates; each institution holds out 20% of its own transactions, and both models are scored on them
   * after the last round. Medians over the seeds, per institution.
   */
  private static Table personalisedTable(Setup setup, Progress progress) throws IOException {
    int n = setup.clients();
    double[][] global = new double[n][setup.seeds()];
    double[][] personal = new double[n][setup.seeds()];
    String head = null;
    for (int s = 1; s <= setup.seeds(); s++) {
      long seed = setup.firstSeed() + s - 1L;
      Federation federation = natural(setup, seed);
      List<Dataset> trains = new ArrayList<>();
      List<Dataset> holdouts = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        var split = io.fedmesh.ml.data.TrainTestSplit.holdOut(federation.clients().get(c), 0.2, seed * 1_000 + c);
        trains.add(split.train());
        holdouts.add(split.test());
      }
      if (head == null) {
        head = outputLayer(setup.fraudModel(), trains.get(0));
      }
      FederationSettings settings = settingsFor("fedavg", setup, setup.fraudModel(), trains, seed)
          .withPersonalisation(new io.fedmesh.ml.train.Personalisation(List.of(head), 1));
      List<RoundRecord> records = new FederationSimulation(settings, trains, holdouts, federation.test(),
          strategyFor(settings, n, setup.server()), seed, System::nanoTime).run(setup.rounds(), false, r -> progress.round())
          .rounds();
      RoundRecord last = records.get(records.size() - 1);
      for (RoundRecord.ClientScore score : last.clients()) {
        global[score.client()][s - 1] = score.global().auc();
        personal[score.client()][s - 1] = score.personalised().auc();
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%n== personalised vs global AUC per institution: fedavg, private output layer %s, "
        + "1 fine-tuning epoch, 20%% of each institution's transactions held out, after round %d; median over %s ==%n",
        head, setup.rounds(), seeds(setup.seeds())));
    b.append(String.format(Locale.ROOT, "%-12s  %10s  %12s%n", "institution", "global", "personalised"));
    double[] x = new double[n];
    double[] g = new double[n];
    double[] p = new double[n];
    for (int c = 0; c < n; c++) {
      x[c] = c;
      g[c] = Median.of(global[c]);
      p[c] = Median.of(personal[c]);
      b.append(String.format(Locale.ROOT, "%-12d  %10.4f  %12.4f%n", c, g[c], p[c]));
    }
    b.append(String.format(Locale.ROOT, "%-12s  %10.4f  %12.4f%n", "median", Median.of(g), Median.of(p)));
    Path png = setup.out().resolve("fraud-personalised.png");
    new LineChart(String.format(Locale.ROOT, "synthetic fraud: AUC per institution after round %d, median of %s",
        setup.rounds(), seeds(setup.seeds())), "institution", "held-out AUC").add("global", x, g).add("personalised", x, p)
        .write(png, 900, 540);
    b.append("chart: ").append(png).append(System.lineSeparator());
    return new Table("fraud-personalised", b.toString(), List.of(), png, null);
  }

  /** The name prefix of the model's output layer (its last tensor's layer), for FedPer's private layers. */
  private static String outputLayer(ModelSpec spec, Dataset data) {
    try (var m = new io.fedmesh.ml.train.LocalModel(spec, data.sampleShape(), data.classes(), 1)) {
      var entries = m.layout().entries();
      String name = entries.get(entries.size() - 1).name();
      int cut = name.lastIndexOf('_');
      return cut > 0 ? name.substring(0, cut) : name;
    }
  }

  /** The target on one Dirichlet table, or null if FedAvg or every accelerated algorithm is missing from the run. */
  static Target target(double alpha, int rounds, List<Curve> curves) {
    Curve fedAvg = curves.stream().filter(c -> c.algorithm().equals("fedavg")).findFirst().orElse(null);
    List<Curve> accelerated = curves.stream().filter(c -> ACCELERATED.contains(c.algorithm())).toList();
    if (fedAvg == null || accelerated.isEmpty()) {
      return null;
    }
    double goal = last(fedAvg.medianAccuracy());
    java.util.Map<String, Integer> first = new java.util.LinkedHashMap<>();
    int best = 0;
    for (Curve c : accelerated) {
      double[] m = c.medianAccuracy();
      int reached = 0;
      for (int r = 0; r < m.length && reached == 0; r++) {
        if (m[r] >= goal) {
          reached = r + 1;
        }
      }
      first.put(c.algorithm(), reached);
      if (reached > 0 && (best == 0 || reached < best)) {
        best = reached;
      }
    }
    return new Target(alpha, rounds, goal, first, best, best > 0 && best <= rounds / 2.0);
  }

  private static String describe(Target t, int rounds, double alpha) {
    if (t == null) {
      return "target: not evaluated (needs fedavg and at least one of " + String.join(", ", ACCELERATED) + " in --algorithms)";
    }
    String reached = t.firstReaching().entrySet().stream()
        .map(e -> e.getKey() + " " + (e.getValue() == 0 ? "never" : "round " + e.getValue()))
        .collect(Collectors.joining(", "));
    String verdict = t.pass() ? "PASS" : "FAIL";
    return String.format(Locale.ROOT, "target%s: FedAvg's round-%d median accuracy %.4f; first round reaching it: %s; best "
        + "%s <= %s: %s", alpha == TARGET_ALPHA ? "" : " (the issue checks it at alpha " + TARGET_ALPHA + "; here for "
        + "information)", rounds, t.fedAvgFinal(), reached, t.best() == 0 ? "never" : String.valueOf(t.best()),
        num(rounds / 2.0), verdict);
  }

  private static void chart(String title, String metric, List<Curve> curves, boolean auc, Path png) throws IOException {
    LineChart chart = new LineChart(title, "round", metric);
    for (Curve c : curves) {
      double[] y = auc ? c.medianAuc() : c.medianAccuracy();
      double[] x = new double[y.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = i + 1;
      }
      chart.add(c.algorithm(), x, y);
    }
    chart.write(png, 900, 540);
  }

  private static String columns(String first, List<Curve> curves) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%5s", first));
    for (Curve c : curves) {
      b.append(String.format(Locale.ROOT, "  %10s", c.algorithm()));
    }
    return b.append(System.lineSeparator()).toString();
  }

  private static void emit(PrintWriter out, StringBuilder report, String text) {
    out.print(text);
    out.flush();
    report.append(text);
  }

  private static double[] medianPerRound(double[][] perSeed) {
    int rounds = perSeed[0].length;
    double[] median = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      int round = r;
      double[] values = java.util.Arrays.stream(perSeed).mapToDouble(run -> run[round]).filter(v -> !Double.isNaN(v)).toArray();
      median[r] = values.length == 0 ? Double.NaN : Median.of(values);
    }
    return median;
  }

  private static double last(double[] v) {
    return v[v.length - 1];
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static String seeds(int seeds) {
    return seeds == 1 ? "1 seed" : seeds + " seeds";
  }

  static String duration(double seconds) {
    if (seconds < 90) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 5400) {
      return String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
  }

  /** Progress on stderr after each run (algorithm x seed), with an ETA from the rounds done so far. */
  private static final class Progress {
    private final PrintWriter err;
    private final long total;
    private final long start = System.nanoTime();
    private long done;

    Progress(PrintWriter err, long total) {
      this.err = err;
      this.total = total;
    }

    void round() {
      done++;
    }

    void runDone(String table, String algorithm, long seed, RoundRecord last) {
      double elapsed = (System.nanoTime() - start) / 1e9;
      double eta = done == 0 ? 0 : elapsed / done * (total - done);
      err.printf(Locale.ROOT, "%s %s seed %d: round %d accuracy %.4f (%d/%d rounds, %s elapsed, about %s left)%n", table,
          algorithm, seed, last.round(), last.test().accuracy(), done, total, duration(elapsed), duration(eta));
      err.flush();
    }
  }
}
