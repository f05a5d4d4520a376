package io.fedmesh.ml.simulation;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.Shuffle;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.AggregatedUpdate;
import io.fedmesh.ml.strategy.FitInstructions;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.ParticipantStep;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A whole federation in one process: every client's data, one model that each participant trains in
 * turn from the global weights (DJL allows one gradient collector per JVM), the strategy, and a
 * summation (plain or secure). Beside it, optionally, the centralised baseline: the same model
 * trained on all the clients' data pooled, for as many examples as the federation processed.
 */
public final class Simulation {
  private final ModelSpec spec;
  private final List<Dataset> clients;
  private final Dataset test;
  private final Strategy strategy;
  private final Summation summation;
  private final long seed;
  private final LongSupplier clock;

  /**
   * @param clients each client's training data (same shape and classes)
   * @param clock nanoseconds, for training speed (System::nanoTime; a port, so tests can fix it)
   */
  public Simulation(ModelSpec spec, List<Dataset> clients, Dataset test, Strategy strategy, Summation summation, long seed,
      LongSupplier clock) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("a federation needs at least one client");
    }
    this.spec = spec;
    this.clients = List.copyOf(clients);
    this.test = test;
    this.strategy = strategy;
    this.summation = summation;
    this.seed = seed;
    this.clock = clock;
  }

  /** What a run produced: every round's record and the final global model. */
  public record Result(List<RoundRecord> rounds, float[] finalModel, String manifest) {}

  /** Runs {@code rounds} rounds, reporting each to {@code onRound} as it ends. */
  public Result run(int rounds, boolean baseline, Consumer<RoundRecord> onRound) {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
    }
    Random selection = new Random(seed);
    Random training = new Random(seed + 1);
    Dataset first = clients.get(0);
    List<RoundRecord> records = new ArrayList<>();
    try (LocalModel model = new LocalModel(spec, first.sampleShape(), first.classes(), seed);
        LocalModel central = baseline ? new LocalModel(spec, first.sampleShape(), first.classes(), seed) : null) {
      float[] global = model.parameters();
      Dataset pooled = baseline ? Dataset.concat(clients) : null;
      int[] pooledOrder = baseline ? Shuffle.permutation(pooled.size(), new Random(seed + 2)) : null;
      int pooledAt = 0;
      for (int round = 1; round <= rounds; round++) {
        FitInstructions fit = strategy.configureFit(round, clients.size(), selection);
        List<ClientUpdate> updates = new ArrayList<>();
        long examples = 0;
        double lossSum = 0;
        long trainingNanos = 0;
        for (int c : fit.participants()) {
          ParticipantStep.Contribution step = ParticipantStep.run(model, global, clients.get(c), fit.options(),
              fit.clipNorm(), fit.unitWeights(), training, clock);
          trainingNanos += step.trainingNanos();
          updates.add(new ClientUpdate(c, step.update(), step.weight(), step.examples()));
          examples += step.examples();
          lossSum += step.lastEpochLoss() * clients.get(c).size();
        }
        AggregatedUpdate sum = summation.sum(round, updates, global.length);
        global = strategy.aggregateFit(round, global, sum, List.of());
        model.setParameters(global);
        io.fedmesh.ml.eval.Metrics scored = model.evaluate(test);
        io.fedmesh.ml.eval.Metrics centralScore = null;
        if (baseline && examples > 0) {
          // The same number of examples, drawn from the pooled data in one long shuffled pass.
          int[] rows = new int[(int) Math.min(Integer.MAX_VALUE, examples / fit.options().epochs())];
          for (int i = 0; i < rows.length; i++) {
            rows[i] = pooledOrder[pooledAt];
            pooledAt = (pooledAt + 1) % pooledOrder.length;
          }
          TrainingOptions plain = fit.options().withProximalMu(0);
          central.train(pooled.subset(rows), plain, null, training);
        }
        if (baseline) {
          centralScore = central.evaluate(test);
        }
        long trainedExamples = updates.stream().mapToLong(ClientUpdate::examples).sum();
        double participantsData = fit.participants().stream().mapToLong(c -> clients.get(c).size()).sum();
        RoundRecord record = new RoundRecord(round, fit.participants().size(), examples,
            participantsData == 0 ? Double.NaN : lossSum / participantsData, scored,
            trainingNanos == 0 ? Double.NaN : trainedExamples / (trainingNanos / 1e9), centralScore);
        records.add(record);
        onRound.accept(record);
      }
      return new Result(records, Arrays.copyOf(global, global.length), model.layout().manifest());
    }
  }
}
