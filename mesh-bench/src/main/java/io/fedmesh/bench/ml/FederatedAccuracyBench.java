package io.fedmesh.bench.ml;

import io.fedmesh.bench.Median;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.Partitioner;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.simulation.FederationSimulation;
import io.fedmesh.coordinator.simulation.RoundRecord;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * The accuracy target as a benchmark: FedAvg on a partitioned dataset for R rounds, for
 * several seeds (data split, initial weights, shuffling), with the centralised baseline trained on the
 * pooled data for as many examples; reports each round's median over seeds.
 */
public final class FederatedAccuracyBench {
  /** Updates are clipped to this L2 norm (SecAgg+ quantises within it): large enough to rarely bind here. */
  static final double CLIP = 10.0;

  private FederatedAccuracyBench() {}

  /** Per round: median federated accuracy and median baseline accuracy over the seeds; and the raw runs. */
  public record Result(double[] medianAccuracy, double[] medianBaseline, List<List<RoundRecord>> runs) {}

  public static Result run(Dataset train, Dataset test, int clients, int rounds, Partitioner partitioner, ModelSpec spec,
      TrainingOptions options, double serverLearningRate, int seeds, IntConsumer onSeedDone) {
    List<List<RoundRecord>> runs = new ArrayList<>();
    for (int s = 1; s <= seeds; s++) {
      int[][] rows = partitioner.split(train, clients, new Random(s));
      List<Dataset> parts = new ArrayList<>();
      for (int[] r : rows) {
        parts.add(train.subset(r));
      }
      long cap = parts.stream().mapToLong(Dataset::size).max().orElse(1);
      FederationSettings settings = new FederationSettings(NodeId.ofBytes(new byte[NodeId.BYTES]), spec, train.sampleShape(),
          train.classes(), s, "fedavg", serverLearningRate, options, 2, 100_000, 1.0, 60_000, 30_000, 30_000, 0.1, 0.05,
          Math.max(1, cap), false, CLIP, 0, 1e-5);
      FederationSimulation.Result result = new FederationSimulation(settings, parts, test,
          new FedAvg(options, 1.0, serverLearningRate, CLIP), s, System::nanoTime).run(rounds, true, r -> { });
      runs.add(result.rounds());
      onSeedDone.accept(s);
    }
    double[] median = new double[rounds];
    double[] baseline = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      int round = r;
      median[r] = Median.of(runs.stream().mapToDouble(run -> run.get(round).test().accuracy()).toArray());
      baseline[r] = Median.of(runs.stream().mapToDouble(run -> run.get(round).baseline().accuracy()).toArray());
    }
    return new Result(median, baseline, runs);
  }
}
