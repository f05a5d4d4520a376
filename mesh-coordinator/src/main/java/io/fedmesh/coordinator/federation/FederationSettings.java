package io.fedmesh.coordinator.federation;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.strategy.Algorithm;
import io.fedmesh.ml.train.Personalisation;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.Arrays;

/**
 * How a federation trains, the same on every member (the {@code rounds:} section of a federation in
 * the node config; later an entry of the ledger). The round engine reads nothing else about the
 * federation's training.
 *
 * @param coordinator the node that runs the federation's rounds (a coordinator-eligible member)
 * @param model the model every participant trains
 * @param inputShape one example's shape (for example [30] or [1, 28, 28])
 * @param classes number of labels, at least 2
 * @param initSeed seed of the initial model's weights (public: the first model is no secret)
 * @param strategy the {@link Algorithm}: fedavg, fedprox (needs {@code training.proximalMu() > 0}), scaffold,
 *     fedavgm, fedadam, fedyogi or fedadagrad
 * @param serverLearningRate 1 is plain FedAvg
 * @param training local training options
 * @param minParticipants a round with fewer accepted participants aborts; at least 2
 * @param maxParticipants at most this many are invited
 * @param sampling each eligible member is invited with this probability (Poisson sampling, for DP), or
 *     1 for everyone up to maxParticipants
 * @param trainDeadlineMillis how long the coordinator waits for advertisements after inviting (fetch and training included)
 * @param phaseDeadlineMillis how long each later secure aggregation phase may take
 * @param evaluationDeadlineMillis how long the coordinator waits for evaluation reports
 * @param targetDropout fraction of the cohort that may drop out (for the parameter finder)
 * @param targetCorrupt fraction of the cohort that may be corrupt (for the parameter finder)
 * @param weightCap a participant's weight is min(local examples, cap); unit weights ignore it
 * @param unitWeights every participant weighs 1 (forced when DP is on)
 * @param clipNorm L2 norm each update is clipped to; positive
 * @param noiseMultiplier central DP noise multiplier (0: no DP)
 * @param delta DP delta the budget is reported for
 * @param privacy who adds the client-level noise (central or distributed) and the participants' DP-SGD
 * @param adaptive the server optimisers' beta_1, beta_2 and tau (used by fedavgm, fedadam, fedyogi, fedadagrad)
 * @param personalisation private layers (never sent) and fine-tuning before the personalised evaluation
 */
public record FederationSettings(NodeId coordinator, ModelSpec model, int[] inputShape, int classes, long initSeed,
    String strategy, double serverLearningRate, TrainingOptions training, int minParticipants, int maxParticipants,
    double sampling, long trainDeadlineMillis, long phaseDeadlineMillis, long evaluationDeadlineMillis,
    double targetDropout, double targetCorrupt, long weightCap, boolean unitWeights, double clipNorm,
    double noiseMultiplier, double delta, PrivacySettings privacy, AdaptiveOptions adaptive,
    Personalisation personalisation) {

  /** Settings without personalisation. */
  public FederationSettings(NodeId coordinator, ModelSpec model, int[] inputShape, int classes, long initSeed,
      String strategy, double serverLearningRate, TrainingOptions training, int minParticipants, int maxParticipants,
      double sampling, long trainDeadlineMillis, long phaseDeadlineMillis, long evaluationDeadlineMillis,
      double targetDropout, double targetCorrupt, long weightCap, boolean unitWeights, double clipNorm,
      double noiseMultiplier, double delta, PrivacySettings privacy, AdaptiveOptions adaptive) {
    this(coordinator, model, inputShape, classes, initSeed, strategy, serverLearningRate, training, minParticipants,
        maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis, targetDropout,
        targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, privacy, adaptive, Personalisation.none());
  }

  /** Settings with the server optimisers' default hyper-parameters. */
  public FederationSettings(NodeId coordinator, ModelSpec model, int[] inputShape, int classes, long initSeed,
      String strategy, double serverLearningRate, TrainingOptions training, int minParticipants, int maxParticipants,
      double sampling, long trainDeadlineMillis, long phaseDeadlineMillis, long evaluationDeadlineMillis,
      double targetDropout, double targetCorrupt, long weightCap, boolean unitWeights, double clipNorm,
      double noiseMultiplier, double delta, PrivacySettings privacy) {
    this(coordinator, model, inputShape, classes, initSeed, strategy, serverLearningRate, training, minParticipants,
        maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis, targetDropout,
        targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, privacy, AdaptiveOptions.defaults());
  }

  /** Settings with central noise and no DP-SGD. */
  public FederationSettings(NodeId coordinator, ModelSpec model, int[] inputShape, int classes, long initSeed,
      String strategy, double serverLearningRate, TrainingOptions training, int minParticipants, int maxParticipants,
      double sampling, long trainDeadlineMillis, long phaseDeadlineMillis, long evaluationDeadlineMillis,
      double targetDropout, double targetCorrupt, long weightCap, boolean unitWeights, double clipNorm,
      double noiseMultiplier, double delta) {
    this(coordinator, model, inputShape, classes, initSeed, strategy, serverLearningRate, training, minParticipants,
        maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis, targetDropout,
        targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, PrivacySettings.central());
  }

  public FederationSettings {
    if (privacy == null) {
      throw new IllegalArgumentException("privacy settings are required (PrivacySettings.central() for the default)");
    }
    if (coordinator == null) {
      throw new IllegalArgumentException("a federation's rounds need a coordinator");
    }
    if (model == null || inputShape == null || strategy == null || training == null) {
      throw new IllegalArgumentException("a federation's rounds need a model, an input shape, a strategy and training options");
    }
    inputShape = inputShape.clone();
    if (inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(d -> d < 1 || d > 1 << 20)) {
      throw new IllegalArgumentException("input shape must be 1 or more dimensions of 1 to 2^20, got " + Arrays.toString(inputShape));
    }
    if (classes < 2 || classes > 10_000) {
      throw new IllegalArgumentException("classes must be in [2, 10000], got " + classes);
    }
    if (personalisation == null) {
      throw new IllegalArgumentException("personalisation settings are required (Personalisation.none() for none)");
    }
    if (adaptive == null) {
      throw new IllegalArgumentException("server optimiser options are required (AdaptiveOptions.defaults() for the default)");
    }
    Algorithm algorithm = Algorithm.parse(strategy);
    strategy = algorithm.text();
    if (algorithm == Algorithm.FEDPROX && !(training.proximalMu() > 0)) {
      throw new IllegalArgumentException("fedprox needs a proximal mu > 0 (with 0 it is fedavg)");
    }
    if (algorithm != Algorithm.FEDPROX && training.proximalMu() > 0) {
      throw new IllegalArgumentException("a proximal mu is FedProx: set the strategy to fedprox, or the mu to 0");
    }
    if (algorithm == Algorithm.SCAFFOLD && !personalisation.privateLayers().isEmpty()) {
      throw new IllegalArgumentException("scaffold does not keep private layers yet (its control variates span the whole model)");
    }
    if (algorithm == Algorithm.SCAFFOLD) {
      if (training.optimizer() != TrainingOptions.Optimizer.SGD) {
        throw new IllegalArgumentException("scaffold's control variates assume local SGD, not " + training.optimizer());
      }
      if (noiseMultiplier > 0 || privacy.dpSgd() != null) {
        // The control deltas would need their own share of the noise and the accounting; not yet done.
        throw new IllegalArgumentException("scaffold does not run with differential privacy yet (its control deltas"
            + " are not covered by the accounting)");
      }
    }
    if (!(serverLearningRate > 0) || Double.isInfinite(serverLearningRate)) {
      throw new IllegalArgumentException("server learning rate must be positive and finite, got " + serverLearningRate);
    }
    if (minParticipants < 2 || maxParticipants < minParticipants || maxParticipants > 100_000) {
      throw new IllegalArgumentException("participants: need 2 <= min (" + minParticipants + ") <= max ("
          + maxParticipants + ") <= 100000");
    }
    if (!(sampling > 0 && sampling <= 1)) {
      throw new IllegalArgumentException("sampling must be in (0, 1], got " + sampling);
    }
    for (long d : new long[] {trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis}) {
      if (d < 100 || d > 86_400_000L) {
        throw new IllegalArgumentException("deadlines must be 100 ms to 24 h, got " + d + " ms");
      }
    }
    if (!(targetDropout >= 0 && targetDropout < 0.5) || !(targetCorrupt >= 0 && targetCorrupt < 0.5)) {
      throw new IllegalArgumentException("target dropout and corrupt fractions must be in [0, 0.5), got "
          + targetDropout + " and " + targetCorrupt);
    }
    if (weightCap < 1 || weightCap > 1L << 40) {
      throw new IllegalArgumentException("weight cap must be in [1, 2^40], got " + weightCap);
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("clip norm must be positive and finite, got " + clipNorm);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException("noise multiplier must be >= 0 and finite, got " + noiseMultiplier);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (noiseMultiplier > 0 && !unitWeights) {
      throw new IllegalArgumentException("DP rounds (noise multiplier > 0) need unit weights: the accountant assumes every update weighs 1");
    }
  }

  @Override
  public int[] inputShape() {
    return inputShape.clone();
  }

  /** Equal settings are equal field by field, the input shape by its dimensions (not by array identity). */
  @Override
  public boolean equals(Object o) {
    return o instanceof FederationSettings f && coordinator.equals(f.coordinator) && model.equals(f.model)
        && Arrays.equals(inputShape, f.inputShape) && classes == f.classes && initSeed == f.initSeed
        && strategy.equals(f.strategy) && Double.compare(serverLearningRate, f.serverLearningRate) == 0
        && training.equals(f.training) && minParticipants == f.minParticipants && maxParticipants == f.maxParticipants
        && Double.compare(sampling, f.sampling) == 0 && trainDeadlineMillis == f.trainDeadlineMillis
        && phaseDeadlineMillis == f.phaseDeadlineMillis && evaluationDeadlineMillis == f.evaluationDeadlineMillis
        && Double.compare(targetDropout, f.targetDropout) == 0 && Double.compare(targetCorrupt, f.targetCorrupt) == 0
        && weightCap == f.weightCap && unitWeights == f.unitWeights && Double.compare(clipNorm, f.clipNorm) == 0
        && Double.compare(noiseMultiplier, f.noiseMultiplier) == 0 && Double.compare(delta, f.delta) == 0
        && privacy.equals(f.privacy) && adaptive.equals(f.adaptive) && personalisation.equals(f.personalisation);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(coordinator, model, Arrays.hashCode(inputShape), classes, initSeed, strategy,
        serverLearningRate, training, minParticipants, maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis,
        evaluationDeadlineMillis, targetDropout, targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta,
        privacy, adaptive, personalisation);
  }

  @Override
  public String toString() {
    return "FederationSettings[coordinator=" + coordinator + ", model=" + model + ", inputShape=" + Arrays.toString(inputShape)
        + ", classes=" + classes + ", initSeed=" + initSeed + ", strategy=" + strategy + ", serverLearningRate="
        + serverLearningRate + ", training=" + training + ", minParticipants=" + minParticipants + ", maxParticipants="
        + maxParticipants + ", sampling=" + sampling + ", trainDeadlineMillis=" + trainDeadlineMillis
        + ", phaseDeadlineMillis=" + phaseDeadlineMillis + ", evaluationDeadlineMillis=" + evaluationDeadlineMillis
        + ", targetDropout=" + targetDropout + ", targetCorrupt=" + targetCorrupt + ", weightCap=" + weightCap
        + ", unitWeights=" + unitWeights + ", clipNorm=" + clipNorm + ", noiseMultiplier=" + noiseMultiplier + ", delta="
        + delta + ", privacy=" + privacy + ", adaptive=" + adaptive + ", personalisation=" + personalisation + "]";
  }

  /**
   * The coordinator of a federation whose coordinator is elected (the Raft leader of its ledger group):
   * 32 zero bytes, which no key hashes to. Each elected coordinator runs {@link #withCoordinator} itself.
   */
  public static final NodeId ELECTED = NodeId.ofBytes(new byte[NodeId.BYTES]);

  /** Whether the coordinator is elected rather than named. */
  public boolean elected() {
    return coordinator.equals(ELECTED);
  }

  /** These settings with {@code node} as coordinator. */
  public FederationSettings withCoordinator(NodeId node) {
    return new FederationSettings(node, model, inputShape, classes, initSeed, strategy, serverLearningRate, training,
        minParticipants, maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis,
        targetDropout, targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, privacy, adaptive, personalisation);
  }

  /** These settings with {@code p} as privacy settings. */
  public FederationSettings withPrivacy(PrivacySettings p) {
    return new FederationSettings(coordinator, model, inputShape, classes, initSeed, strategy, serverLearningRate, training,
        minParticipants, maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis,
        targetDropout, targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, p, adaptive, personalisation);
  }

  /** These settings with {@code a} as the server optimisers' hyper-parameters. */
  public FederationSettings withAdaptive(AdaptiveOptions a) {
    return new FederationSettings(coordinator, model, inputShape, classes, initSeed, strategy, serverLearningRate, training,
        minParticipants, maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis,
        targetDropout, targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, privacy, a, personalisation);
  }

  /** These settings with {@code p} as personalisation. */
  public FederationSettings withPersonalisation(Personalisation p) {
    return new FederationSettings(coordinator, model, inputShape, classes, initSeed, strategy, serverLearningRate, training,
        minParticipants, maxParticipants, sampling, trainDeadlineMillis, phaseDeadlineMillis, evaluationDeadlineMillis,
        targetDropout, targetCorrupt, weightCap, unitWeights, clipNorm, noiseMultiplier, delta, privacy, adaptive, p);
  }

  /** The federated algorithm the strategy names. */
  public Algorithm algorithm() {
    return Algorithm.parse(strategy);
  }

  /** Whether the participants add the client-level noise (distributed discrete Gaussian). */
  public boolean distributedNoise() {
    return noiseMultiplier > 0 && privacy.mode() == PrivacySettings.Mode.DISTRIBUTED;
  }

  /** Defaults for everything but who coordinates and what is trained (docs/operations.md lists them). */
  public static FederationSettings defaults(NodeId coordinator, ModelSpec model, int[] inputShape, int classes) {
    return new FederationSettings(coordinator, model, inputShape, classes, 1, "fedavg", 1.0,
        new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.05, 1, 32, 0), 2, 100, 1.0,
        120_000, 30_000, 60_000, 0.1, 0.05, 10_000, false, 1.0, 0, 1e-5);
  }
}
