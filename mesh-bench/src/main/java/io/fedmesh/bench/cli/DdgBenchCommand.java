package io.fedmesh.bench.cli;

import io.fedmesh.bench.ml.DistributedDpBench;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.IdxFiles;
import io.fedmesh.ml.data.Partitioner;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.node.cli.FedmeshVersion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench ddg}: model quality of distributed DP against central DP at equal (epsilon, delta). */
@Command(
    name = "ddg",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    description = {
        "Issue 16's quality target as a benchmark: one federation of --clients simulated clients (Poisson-sampled at "
            + "--sampling-rate, every round through SecAgg+ in malicious-server mode), trained for --rounds rounds with "
            + "client-level DP at --epsilon, --delta: once with central noise (the coordinator adds an exact discrete "
            + "Gaussian to the integer sum), and once per --bits with the distributed discrete Gaussian (each participant "
            + "adds its share, wrapped into 2^bits). Each mode's noise multiplier is calibrated to the same target by its "
            + "own accountant. Prints one row per run: noise, epsilon planned and spent, final accuracy (and AUC), and the "
            + "gap to central.",
        ""
    })
public final class DdgBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--dataset", paramLabel = "D", description = "fashion-mnist or synthetic (card fraud, one institution "
      + "per client) (default: ${DEFAULT-VALUE}).")
  String dataset = "fashion-mnist";

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("/usr/share/datasets/fashion-mnist");

  @Option(names = "--model", paramLabel = "SPEC", description = "Model (default: ${DEFAULT-VALUE}).")
  String model = "mlp:32";

  @Option(names = "--clients", paramLabel = "N", description = "Simulated clients (default: ${DEFAULT-VALUE}).")
  int clients = 500;

  @Option(names = "--sampling-rate", paramLabel = "Q", description = "Poisson rate each client is chosen at per round "
      + "(default: ${DEFAULT-VALUE}).")
  double samplingRate = 0.1;

  @Option(names = "--rounds", paramLabel = "R", description = "Rounds (default: ${DEFAULT-VALUE}).")
  int rounds = 30;

  @Option(names = "--epsilon", paramLabel = "E", description = "Target epsilon after all rounds (default: ${DEFAULT-VALUE}).")
  double epsilon = 8;

  @Option(names = "--delta", paramLabel = "D", description = "Delta (default: ${DEFAULT-VALUE}).")
  double delta = 1e-5;

  @Option(names = "--clip", paramLabel = "C", description = "Client update L2 clip norm (default: ${DEFAULT-VALUE}).")
  double clip = 1.0;

  @Option(names = "--learning-rate", paramLabel = "LR", description = "Local SGD learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate = 0.1;

  @Option(names = "--bits", paramLabel = "B", split = ",", description = "Modulus widths for distributed noise "
      + "(default: ${DEFAULT-VALUE}).")
  List<Integer> bits = new ArrayList<>(List.of(32, 24, 20, 18, 16));

  @Option(names = "--seed", description = "Seed of data split, model, sampling and noise (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Override
  public Integer call() throws Exception {
    if (clients < 2 || rounds < 1 || !(samplingRate > 0 && samplingRate <= 1) || !(epsilon > 0) || !(delta > 0 && delta < 1)
        || !(clip > 0) || bits.stream().anyMatch(b -> b < 2 || b > 32)) {
      throw new ParameterException(spec.commandLine(), "need --clients >= 2, --rounds >= 1, --sampling-rate in (0, 1], "
          + "--epsilon > 0, --delta in (0, 1), --clip > 0 and --bits in [2, 32]");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Dataset> parts = new ArrayList<>();
    Dataset test;
    if (dataset.equals("synthetic")) {
      SyntheticFraud world = new SyntheticFraud(clients, seed);
      for (int i = 0; i < clients; i++) {
        parts.add(world.institution(i, 200, 0));
      }
      test = world.all(20, 1);
    } else if (dataset.equals("fashion-mnist")) {
      Dataset train = IdxFiles.fashionMnist(dataDir, true);
      test = IdxFiles.fashionMnist(dataDir, false);
      for (int[] rows : Partitioner.parse("iid").split(train, clients, new Random(seed))) {
        parts.add(train.subset(rows));
      }
    } else {
      throw new ParameterException(spec.commandLine(), "--dataset must be fashion-mnist or synthetic");
    }
    ModelSpec modelSpec = ModelSpec.parse(model);
    int parameters;
    try (LocalModel probe = new LocalModel(modelSpec, parts.get(0).sampleShape(), parts.get(0).classes(), seed)) {
      parameters = probe.layout().size();
    }
    TrainingOptions options = new TrainingOptions(TrainingOptions.Optimizer.SGD, learningRate, 1, 32, 0);
    DistributedDpBench.Setup setup = new DistributedDpBench.Setup(parts, test, modelSpec, options, clip, samplingRate, rounds,
        epsilon, delta, seed);
    out.printf(Locale.ROOT, "%s, %d clients, %s (%d parameters), Poisson rate %s (expected cohort %.0f), %d rounds, "
        + "target epsilon %s at delta %s, clip %s, SGD lr %s, 1 local epoch, seed %d%n", dataset, clients, modelSpec.describe(),
        parameters, samplingRate, samplingRate * clients, rounds, epsilon, delta, clip, learningRate, seed);
    List<DistributedDpBench.Run> runs = new ArrayList<>();
    long start = System.nanoTime();
    runs.add(DistributedDpBench.central(setup, parameters));
    err.printf(Locale.ROOT, "central done (%.0f s)%n", (System.nanoTime() - start) / 1e9);
    for (int b : bits) {
      runs.add(DistributedDpBench.distributed(setup, b, parameters));
      err.printf(Locale.ROOT, "distributed %d bits done (%.0f s)%n", b, (System.nanoTime() - start) / 1e9);
    }
    boolean auc = dataset.equals("synthetic");
    DistributedDpBench.Run central = runs.get(0);
    out.println("mode         bits  sigma     eps(planned)  eps(spent)  accuracy  " + (auc ? "AUC     " : "") + "vs central  aborted");
    for (DistributedDpBench.Run r : runs) {
      RoundRecord last = r.last();
      double gap = auc ? last.test().auc() - central.last().test().auc() : last.test().accuracy() - central.last().test().accuracy();
      long aborted = r.rounds().stream().filter(x -> !x.committed()).count();
      out.printf(Locale.ROOT, "%-11s  %4s  %-8.4f  %-12s  %-10s  %.4f    %s%+.4f     %d%n", r.mode(), r.bits() == 0 ? "-" : r.bits(),
          r.noiseMultiplier(), DpGuarantee.roundedUp(r.plannedEpsilon(), 4), DpGuarantee.roundedUp(r.spentEpsilon(), 4),
          last.test().accuracy(), auc ? String.format(Locale.ROOT, "%.4f  ", last.test().auc()) : "", gap, aborted);
    }
    RoundRecord ddg32 = runs.stream().filter(r -> r.bits() == 32).findFirst().map(DistributedDpBench.Run::last).orElse(null);
    if (ddg32 != null) {
      double gap = auc ? central.last().test().auc() - ddg32.test().auc() : central.last().test().accuracy() - ddg32.test().accuracy();
      out.printf(Locale.ROOT, "target: distributed (32-bit words) within %s of central: %s%n", auc ? "0.01 AUC" : "1 accuracy point",
          gap <= (auc ? 0.01 : 0.01) ? "met" : "NOT met");
    }
    return 0;
  }
}
