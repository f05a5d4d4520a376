package io.fedmesh.coordinator.simulation;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.round.InProcessRounds;
import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.coordinator.round.RoundReport;
import io.fedmesh.coordinator.round.TrainingRequest;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.Shuffle;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.eval.Metrics;
import io.fedmesh.ml.strategy.FitInstructions;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.ParticipantStep;
import io.fedmesh.ml.train.PrivateLayers;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A whole federation in one process, run by the same round engines a node runs (coordinator and
 * participants, SecAgg+ in malicious-server mode, messages through {@link InProcessRounds}): every
 * client's data, one DJL model that each participant trains in turn from the global weights (DJL
 * allows one gradient collector per JVM), and beside it, optionally, the centralised baseline: the
 * same model trained on all the clients' data pooled, for as many examples as the federation processed.
 *
 * <p>Its randomness is seeded (reproducible runs): fine for a simulation, never for privacy, so any
 * DP numbers it reports are nominal.
 */
public final class FederationSimulation {
  private static final String FEDERATION = "simulation";

  private final FederationSettings settings;
  private final List<Dataset> clients;
  /** Each client's own held-out rows (federated and personalised evaluation), or null for none. */
  private final List<Dataset> holdouts;
  private final Dataset test;
  private final Strategy strategy;
  private final long seed;
  private final LongSupplier clock;

  /**
   * @param settings the federation's settings; its coordinator id is replaced by the simulation's own
   * @param clients each client's training data (same shape and classes)
   * @param clock nanoseconds, for training speed (System::nanoTime; a port, so tests can fix it)
   */
  public FederationSimulation(FederationSettings settings, List<Dataset> clients, Dataset test, Strategy strategy, long seed,
      LongSupplier clock) {
    this(settings, clients, null, test, strategy, seed, clock);
  }

  /**
   * @param holdouts each client's held-out rows, as many as clients (null: none): every participant then
   *     evaluates each new global model, and its personalised model when the settings personalise, on its
   *     own rows, as a node does ({@link RoundRecord#clients()})
   */
  public FederationSimulation(FederationSettings settings, List<Dataset> clients, List<Dataset> holdouts, Dataset test,
      Strategy strategy, long seed, LongSupplier clock) {
    if (holdouts != null && holdouts.size() != clients.size()) {
      throw new IllegalArgumentException(holdouts.size() + " held-out sets for " + clients.size() + " clients");
    }
    if (settings.personalisation().enabled() && holdouts == null) {
      throw new IllegalArgumentException("personalisation is measured on each client's own held-out data: give them");
    }
    this.holdouts = holdouts == null ? null : List.copyOf(holdouts);
    if (clients.size() < 2) {
      throw new IllegalArgumentException("a federation needs at least two clients: one update alone is never summed");
    }
    this.settings = settings;
    this.clients = List.copyOf(clients);
    this.test = test;
    this.strategy = strategy;
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
    SimulationRandom keys = SimulationRandom.fromSeed(seed * 31 + 7);
    SigningKey coordinatorKey = SigningKey.generate(keys);
    FederationSettings fed = withCoordinator(settings, coordinatorKey.verifyingKey().nodeId());
    Dataset first = clients.get(0);
    List<RoundRecord> records = new ArrayList<>();
    try (LocalModel model = new LocalModel(fed.model(), first.sampleShape(), first.classes(), seed);
        LocalModel central = baseline ? new LocalModel(fed.model(), first.sampleShape(), first.classes(), seed) : null) {
      Round current = new Round();
      List<NodeId> ids = new ArrayList<>();
      List<InProcessRounds.Member> members = new ArrayList<>();
      ParticipantPolicy policy = new ParticipantPolicy(true, 2, 2, fed.targetDropout(), fed.targetCorrupt(),
          java.util.Set.of(), Integer.MAX_VALUE);
      var personal = fed.personalisation();
      PrivateLayers privateLayers = personal.privateLayers().isEmpty() ? null
          : PrivateLayers.of(model.layout(), personal.privateLayers());
      for (int c = 0; c < clients.size(); c++) {
        SigningKey key = SigningKey.generate(keys);
        Dataset data = clients.get(c);
        Dataset holdout = holdouts == null ? null : holdouts.get(c);
        int client = c;
        LocalWork work = new LocalWork() {
          /** SCAFFOLD's c_i, in memory: kept once a round commits. */
          private float[] control;
          private float[] pending;
          /** The personal model (private layers), kept once a round commits. */
          private float[] own;
          private float[] pendingOwn;
          private EvaluationCounts lastGlobal;

          @Override
          public LocalWork.Trained train(float[] global, TrainingRequest request) {
            ParticipantStep.Contribution step;
            if (privateLayers != null) {
              ParticipantStep.PersonalContribution p = ParticipantStep.runPersonal(model, global, own, privateLayers, data,
                  request.options(), request.dpSgd(), request.clipNorm(), request.unitWeights(), training, clock);
              pendingOwn = p.personalModel();
              step = p.contribution();
            } else if (request.serverControl() != null) {
              ParticipantStep.ScaffoldContribution s = ParticipantStep.runScaffold(model, global, request.serverControl(),
                  control, data, request.options(), request.clipNorm(), request.unitWeights(), training, clock);
              pending = s.clientControl();
              step = s.contribution();
            } else {
              step = ParticipantStep.run(model, global, data, request.options(), request.dpSgd(),
                  request.clipNorm(), request.unitWeights(), training, clock);
            }
            current.examples += step.examples();
            current.lossSum += step.lastEpochLoss() * data.size();
            current.dataRows += data.size();
            current.trainingNanos += step.trainingNanos();
            return new LocalWork.Trained(step.update(), data.size());
          }

          @Override
          public void roundEnded(long round, boolean committed) {
            if (committed && pending != null) {
              control = pending;
            }
            if (committed && pendingOwn != null) {
              own = pendingOwn;
            }
            pending = null;
            pendingOwn = null;
          }

          @Override
          public long trainingExamples() {
            return data.size();
          }

          @Override
          public EvaluationCounts evaluate(float[] global) {
            if (holdout == null) {
              return null; // the simulation scores each model on its shared test set instead
            }
            model.setParameters(global);
            lastGlobal = model.evaluateCounts(holdout);
            if (!personal.enabled()) {
              current.clients.add(new RoundRecord.ClientScore(client, lastGlobal, null));
            }
            return lastGlobal;
          }

          @Override
          public EvaluationCounts evaluatePersonalised(float[] global) {
            if (holdout == null || !personal.enabled()) {
              return null;
            }
            float[] mine = pendingOwn != null ? pendingOwn : own;
            ParticipantStep.personalise(model, global, mine, privateLayers, data, fed.training(), personal.fineTuneEpochs(),
                training);
            EvaluationCounts counts = model.evaluateCounts(holdout);
            current.clients.add(new RoundRecord.ClientScore(client, lastGlobal, counts));
            return counts;
          }
        };
        ids.add(key.verifyingKey().nodeId());
        members.add(new InProcessRounds.Member(key.verifyingKey().nodeId(), key, work, policy,
            SimulationRandom.fromSeed(seed * 1_000_003L + c), false));
      }
      InProcessRounds engine = new InProcessRounds(FEDERATION, fed, members);
      int modelLength = model.layout().size();
      float[] global = fed.algorithm().initialState(model.parameters(), fed.adaptive());
      String manifest = model.layout().manifest();
      String stateManifest = manifest + fed.algorithm().stateManifest(modelLength);
      Dataset pooled = baseline ? Dataset.concat(clients) : null;
      int[] pooledOrder = baseline ? Shuffle.permutation(pooled.size(), new Random(seed + 2)) : null;
      int pooledAt = 0;
      for (int round = 1; round <= rounds; round++) {
        FitInstructions fit = strategy.configureFit(round, clients.size(), selection);
        current.reset();
        boolean committed = false;
        String reason;
        if (fit.participants().size() < 2) {
          reason = fit.participants().size() + " client(s) sampled: a lone update is never summed";
        } else {
          List<NodeId> cohort = fit.participants().stream().map(ids::get).toList();
          byte[] nonce = new byte[32];
          keys.nextBytes(nonce);
          RoundReport report = engine.run(round, cohort, global, stateManifest, strategy, nonce);
          committed = report.committed();
          reason = report.reason();
          if (committed) {
            global = engine.model(io.fedmesh.proto.v1.ModelRef.newBuilder()
                .setSha256(com.google.protobuf.ByteString.fromHex(report.modelSha256())).build(), global.length);
          }
        }
        model.setParameters(Arrays.copyOf(global, modelLength));
        Metrics scored = model.evaluate(test);
        Metrics centralScore = null;
        if (baseline && current.examples > 0) {
          // The same number of examples, drawn from the pooled data in one long shuffled pass.
          int[] rows = new int[(int) Math.min(Integer.MAX_VALUE, current.examples / fed.training().epochs())];
          for (int i = 0; i < rows.length; i++) {
            rows[i] = pooledOrder[pooledAt];
            pooledAt = (pooledAt + 1) % pooledOrder.length;
          }
          TrainingOptions plain = fed.training().withProximalMu(0);
          central.train(pooled.subset(rows), plain, null, training);
        }
        if (baseline) {
          centralScore = central.evaluate(test);
        }
        RoundRecord record = new RoundRecord(round, committed ? fit.participants().size() : 0, current.examples,
            current.dataRows == 0 ? Double.NaN : current.lossSum / current.dataRows, scored,
            current.trainingNanos == 0 ? Double.NaN : current.examples / (current.trainingNanos / 1e9), centralScore,
            committed, committed ? "" : reason, fit.participants().size(), modelLength,
            committed ? current.clients.stream().sorted(java.util.Comparator.comparingInt(RoundRecord.ClientScore::client))
                .toList() : List.of());
        records.add(record);
        onRound.accept(record);
      }
      return new Result(records, Arrays.copyOf(global, modelLength), manifest);
    }
  }

  /** Training tallies of the round in progress. */
  private static final class Round {
    long examples;
    double lossSum;
    long dataRows;
    long trainingNanos;
    final List<RoundRecord.ClientScore> clients = new ArrayList<>();

    void reset() {
      clients.clear();
      examples = 0;
      lossSum = 0;
      dataRows = 0;
      trainingNanos = 0;
    }
  }

  private static FederationSettings withCoordinator(FederationSettings s, NodeId coordinator) {
    return s.withCoordinator(coordinator);
  }
}
