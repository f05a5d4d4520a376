package io.fedmesh.bench.cli;

import io.fedmesh.bench.ml.FederatedAccuracyBench;
import io.fedmesh.bench.ml.TrainingThroughputBench;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.IdxFiles;
import io.fedmesh.ml.data.Partitioner;
import io.fedmesh.ml.model.ModelSpec;
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

/** {@code fedmesh bench ml}: federated accuracy against the centralised baseline, and local training speed. */
@Command(
    name = "ml",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    description = {
        "The ML targets as a benchmark, on Fashion-MNIST (Debian package dataset-fashion-mnist): FedAvg over "
            + "--clients clients split by --partition for --rounds rounds, for --seeds seeds, printing each round's median "
            + "test accuracy next to the centralised baseline trained on the pooled data for as many examples; then local "
            + "training throughput of FedMesh's trainer against a bare DJL loop on the same model and data, in the same run.",
        "",
        "Fixed hyper-parameters (docs/ml.md): MLP 784-128-10, SGD learning rate 0.1, batch 64, 1 local epoch.",
        ""
    })
public final class MlBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("/usr/share/datasets/fashion-mnist");

  @Option(names = "--clients", paramLabel = "N", description = "Clients (default: ${DEFAULT-VALUE}).")
  int clients = 10;

  @Option(names = "--rounds", paramLabel = "R", description = "Rounds (default: ${DEFAULT-VALUE}).")
  int rounds = 20;

  @Option(names = "--partition", paramLabel = "P", description = "Partition (default: ${DEFAULT-VALUE}).")
  String partition = "dirichlet:0.5";

  @Option(names = "--server-lr", paramLabel = "LR", description = "FedAvg's server learning rate (default: ${DEFAULT-VALUE}).")
  double serverLearningRate = 1.0;

  @Option(names = "--seeds", paramLabel = "S", description = "Seeds; the median is reported (default: ${DEFAULT-VALUE}).")
  int seeds = 3;

  @Option(names = "--throughput-epochs", paramLabel = "E", description = "Epochs per timed turn; FedMesh and the bare loop "
      + "take 3 turns each, alternating, after a warm-up epoch each (default: ${DEFAULT-VALUE}; 0 skips it).")
  int throughputEpochs = 2;

  @Option(names = "--skip-federated", description = "Measure throughput only.")
  boolean skipFederated;

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || rounds < 1 || seeds < 1 || throughputEpochs < 0 || !(serverLearningRate > 0)) {
      throw new ParameterException(spec.commandLine(), "--clients, --rounds and --seeds must be >= 1, --throughput-epochs >= 0, --server-lr > 0");
    }
    Partitioner partitioner;
    try {
      partitioner = Partitioner.parse(partition);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    Dataset train = IdxFiles.fashionMnist(dataDir, true);
    Dataset test = IdxFiles.fashionMnist(dataDir, false);
    ModelSpec model = ModelSpec.mlp(128);
    TrainingOptions options = TrainingOptions.defaults();
    if (!skipFederated) {
      out.printf(Locale.ROOT, "Fashion-MNIST, %d clients, %s, FedAvg (server lr %s), MLP 784-128-10, SGD lr 0.1, batch 64, "
          + "1 local epoch, %d rounds, median of %d seeds%n", clients, partitioner.describe(), serverLearningRate, rounds, seeds);
      FederatedAccuracyBench.Result r = FederatedAccuracyBench.run(train, test, clients, rounds, partitioner, model, options,
          serverLearningRate, seeds, s -> spec.commandLine().getErr().printf("seed %d of %d done%n", s, seeds));
      out.println("round  federated  centralised  gap");
      for (int i = 0; i < rounds; i++) {
        out.printf(Locale.ROOT, "%5d  %9.4f  %11.4f  %+.4f%n", i + 1, r.medianAccuracy()[i], r.medianBaseline()[i],
            r.medianAccuracy()[i] - r.medianBaseline()[i]);
      }
      double last = r.medianAccuracy()[rounds - 1];
      double gap = r.medianBaseline()[rounds - 1] - last;
      out.printf(Locale.ROOT, "target: median accuracy at round %d >= 0.84: %.4f (%s); within 3 points of centralised: "
          + "%.2f points (%s)%n", rounds, last, last >= 0.84 ? "met" : "NOT met", gap * 100, gap <= 0.03 ? "met" : "NOT met");
    }
    if (throughputEpochs > 0) {
      TrainingThroughputBench.Result t = TrainingThroughputBench.run(train, model, options, throughputEpochs, 3);
      out.printf(Locale.ROOT, "local training throughput (median of 3 alternating turns): FedMesh %.0f samples/s, bare DJL loop "
          + "%.0f samples/s, ratio %.2fx (target >= 0.8x: %s)%n", t.fedmeshSamplesPerS(), t.bareSamplesPerS(), t.ratio(), t.ratio() >= 0.8 ? "met" : "NOT met");
    }
    return 0;
  }
}
