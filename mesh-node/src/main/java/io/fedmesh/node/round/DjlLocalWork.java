package io.fedmesh.node.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.coordinator.round.TrainingRequest;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.ParticipantStep;
import io.fedmesh.ml.train.dpsgd.AesCtrRandom;
import java.security.SecureRandom;

/**
 * A node's local work: DJL training ({@link ParticipantStep}) on its training rows and evaluation on
 * its held-out rows, under the process-wide training lock. The model is built on first use, from the
 * federation's settings, and closed with the agent.
 */
final class DjlLocalWork implements LocalWork, AutoCloseable {
  private final FederationSettings settings;
  private final Dataset train;
  private final Dataset holdout;
  private final SecureRandom random = new SecureRandom();
  private LocalModel model;

  DjlLocalWork(FederationSettings settings, Dataset train, Dataset holdout) {
    this.settings = settings;
    this.train = train;
    this.holdout = holdout;
  }

  @Override
  public Trained train(float[] global, TrainingRequest request) {
    synchronized (TrainingLock.LOCK) {
      // DP-SGD draws batches and noise from its AES-CTR generator (SecureRandom's Gaussian is far too slow).
      ParticipantStep.Contribution step = ParticipantStep.run(model(), global, train, request.options(), request.dpSgd(),
          request.clipNorm(), request.unitWeights(), request.dpSgd() != null ? AesCtrRandom.secure() : random, System::nanoTime);
      return new Trained(step.update(), train.size());
    }
  }

  @Override
  public long trainingExamples() {
    return train.size();
  }

  @Override
  public EvaluationCounts evaluate(float[] parameters) {
    if (holdout.size() == 0) {
      return null;
    }
    synchronized (TrainingLock.LOCK) {
      model().setParameters(parameters);
      return model().evaluateCounts(holdout);
    }
  }

  /** The model's parameter layout, stored beside every model blob this participant fetches. */
  String manifest() {
    synchronized (TrainingLock.LOCK) {
      return model().layout().manifest();
    }
  }

  private LocalModel model() {
    if (model == null) {
      model = new LocalModel(settings.model(), settings.inputShape(), settings.classes(), settings.initSeed());
    }
    return model;
  }

  @Override
  public void close() {
    synchronized (TrainingLock.LOCK) {
      if (model != null) {
        model.close();
      }
    }
  }
}
