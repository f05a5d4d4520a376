package io.fedmesh.bench.cli;

import io.fedmesh.bench.ml.DpSgdBench;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.IdxFiles;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.ml.train.dpsgd.DpSgdOptions;
import io.fedmesh.node.cli.FedmeshVersion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh bench dpsgd}: what record-level DP-SGD costs in speed and accuracy on Fashion-MNIST. */
@Command(
    name = "dpsgd",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    description = {
        "Record-level DP-SGD on Fashion-MNIST (Debian package dataset-fashion-mnist), MLP 784-128-10. First local "
            + "training throughput of DP-SGD (per-layer and micro-batch per-example gradients) against the non-private "
            + "trainer, in the same run; then test accuracy per round of FedAvg over --clients IID clients, each running one "
            + "epoch of DP-SGD a round with the noise multiplier that makes its --rounds epochs (epsilon, --delta)-DP for each "
            + "of its records, for each --epsilon, beside the same federation without DP.",
        ""
    })
public final class DpSgdBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("/usr/share/datasets/fashion-mnist");

  @Option(names = "--clients", paramLabel = "N", description = "Clients (default: ${DEFAULT-VALUE}: one participant holding all the data).")
  int clients = 1;

  @Option(names = "--rounds", paramLabel = "R", description = "Rounds of one local epoch each (default: ${DEFAULT-VALUE}).")
  int rounds = 10;

  @Option(names = "--epsilon", paramLabel = "EPS", split = ",", description = "Target epsilons (default: ${DEFAULT-VALUE}).")
  List<Double> epsilons = new ArrayList<>(List.of(3.0, 8.0));

  @Option(names = "--delta", paramLabel = "D", description = "Delta (default: ${DEFAULT-VALUE}).")
  double delta = 1e-5;

  @Option(names = "--batch", paramLabel = "B", description = "DP-SGD expected batch size (default: ${DEFAULT-VALUE}).")
  int batch = 512;

  @Option(names = "--clip", paramLabel = "C", description = "Per-example clip norm (default: ${DEFAULT-VALUE}).")
  double clip = 1.0;

  @Option(names = "--lr", paramLabel = "LR", description = "DP-SGD's SGD learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate = 4.0;

  @Option(names = "--throughput-reps", paramLabel = "N", description = "Timed turns of each trainer (default: ${DEFAULT-VALUE}; 0 skips it).")
  int reps = 3;

  @Option(names = "--micro-rows", paramLabel = "N", description = "Rows the micro-batch method is timed on (default: ${DEFAULT-VALUE}).")
  int microRows = 6000;

  @Option(names = "--skip-accuracy", description = "Measure throughput only.")
  boolean skipAccuracy;

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || rounds < 1 || reps < 0 || microRows < 64 || !(delta > 0 && delta < 1) || !(learningRate > 0)) {
      throw new ParameterException(spec.commandLine(), "--clients, --rounds >= 1, --throughput-reps >= 0, --micro-rows >= 64, "
          + "--delta in (0, 1), --lr > 0");
    }
    DpSgdOptions dp;
    try {
      dp = new DpSgdOptions(clip, 1.0, batch);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    Dataset train = IdxFiles.fashionMnist(dataDir, true);
    Dataset test = IdxFiles.fashionMnist(dataDir, false);
    ModelSpec model = ModelSpec.mlp(128);
    if (reps > 0) {
      TrainingOptions plain = TrainingOptions.defaults();
      DpSgdOptions timed = new DpSgdOptions(1.0, 1.0, plain.batchSize());
      DpSgdBench.Throughput t = DpSgdBench.throughput(train, model, plain, timed, microRows, reps);
      out.printf(Locale.ROOT, "Local training throughput, MLP 784-128-10, SGD lr 0.1, batch 64 (DP-SGD: expected batch 64, C 1, "
          + "sigma 1), one epoch a turn, median of %d alternating turns:%n", reps);
      out.println("trainer                              examples/s  vs non-private");
      out.printf(Locale.ROOT, "non-private (LocalModel.train)       %10.0f  1.00x%n", t.plainPerS());
      out.printf(Locale.ROOT, "DP-SGD, per-layer (LINEAR_LAYERS)    %10.0f  %.2fx (target >= 0.3x: %s)%n", t.linearLayersPerS(),
          t.linearLayersRatio(), t.linearLayersRatio() >= 0.3 ? "met" : "NOT met");
      out.printf(Locale.ROOT, "DP-SGD, micro-batch of 1 (%5d rows) %10.0f  %.3fx%n", t.microBatchExamples(), t.microBatchPerS(),
          t.microBatchRatio());
      out.printf(Locale.ROOT, "noise: %.1f ns per Gaussian (AES-256-CTR keystream, JDK ziggurat), %d per step%n",
          t.nanosPerGaussian(), 784 * 128 + 128 + 128 * 10 + 10);
    }
    if (!skipAccuracy) {
      TrainingOptions sgd = new TrainingOptions(TrainingOptions.Optimizer.SGD, learningRate, 1, batch, 0);
      out.printf(Locale.ROOT, "%nFedAvg over %d IID client(s), %d rounds of 1 local epoch; DP-SGD: SGD lr %s, expected batch %d, "
          + "C %s, delta %s; without DP: SGD lr 0.1, batch 64%n", clients, rounds, learningRate, batch, clip, delta);
      List<DpSgdBench.Accuracy> runs = new ArrayList<>();
      for (double eps : epsilons) {
        runs.add(DpSgdBench.accuracy(train, test, model, clients, rounds, sgd, clip, batch, eps, delta, 1,
            r -> spec.commandLine().getErr().printf("epsilon %s: round %d of %d%n", eps, r, rounds)));
      }
      runs.add(DpSgdBench.accuracy(train, test, model, clients, rounds, TrainingOptions.defaults(), clip, batch,
          Double.POSITIVE_INFINITY, delta, 1, r -> spec.commandLine().getErr().printf("no DP: round %d of %d%n", r, rounds)));
      StringBuilder header = new StringBuilder("round");
      for (DpSgdBench.Accuracy a : runs) {
        header.append(Double.isFinite(a.targetEpsilon())
            ? String.format(Locale.ROOT, "  eps %-5s", a.targetEpsilon()) : "  no DP    ");
      }
      out.println(header);
      for (int r = 0; r < rounds; r++) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%5d", r + 1));
        for (DpSgdBench.Accuracy a : runs) {
          line.append(String.format(Locale.ROOT, "  %9.4f", a.accuracy()[r]));
        }
        out.println(line);
      }
      for (DpSgdBench.Accuracy a : runs) {
        if (Double.isFinite(a.targetEpsilon())) {
          out.printf(Locale.ROOT, "eps %s: q %.5f, %d steps, sigma %.4f, spent epsilon %.3f at delta %s%n", a.targetEpsilon(),
              a.samplingRate(), a.steps(), a.noiseMultiplier(), a.spentEpsilon(), delta);
        }
      }
    }
    return 0;
  }
}
