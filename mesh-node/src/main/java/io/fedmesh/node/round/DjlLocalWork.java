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
  /** SCAFFOLD's client control variate, kept across rounds and crashes; null outside SCAFFOLD federations. */
  private final ControlVariateFile control;
  private LocalModel model;
  /** The control variate of the round in progress, kept only if that round commits. */
  private float[] pendingControl;
  private long pendingRound = -1;

  /** @param controlFile where SCAFFOLD's control variate is kept (null: the federation does not run SCAFFOLD) */
  DjlLocalWork(FederationSettings settings, Dataset train, Dataset holdout, java.nio.file.Path controlFile) {
    this.settings = settings;
    this.train = train;
    this.holdout = holdout;
    this.control = controlFile == null ? null : new ControlVariateFile(controlFile);
  }

  @Override
  public Trained train(float[] global, TrainingRequest request) {
    synchronized (TrainingLock.LOCK) {
      if (request.serverControl() != null) {
        return trainScaffold(global, request);
      }
      // DP-SGD draws batches and noise from its AES-CTR generator (SecureRandom's Gaussian is far too slow).
      ParticipantStep.Contribution step = ParticipantStep.run(model(), global, train, request.options(), request.dpSgd(),
          request.clipNorm(), request.unitWeights(), request.dpSgd() != null ? AesCtrRandom.secure() : random, System::nanoTime);
      return new Trained(step.update(), train.size());
    }
  }

  private Trained trainScaffold(float[] global, TrainingRequest request) {
    if (control == null) {
      throw new IllegalStateException("a SCAFFOLD round, and this participant keeps no control variate for the federation");
    }
    float[] mine;
    try {
      mine = control.read(global.length).orElse(null);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    ParticipantStep.ScaffoldContribution step = ParticipantStep.runScaffold(model(), global, request.serverControl(), mine,
        train, request.options(), request.clipNorm(), request.unitWeights(), random, System::nanoTime);
    pendingControl = step.clientControl();
    pendingRound = request.round();
    return new Trained(step.contribution().update(), train.size());
  }

  @Override
  public void roundEnded(long round, boolean committed) {
    synchronized (TrainingLock.LOCK) {
      if (pendingControl != null && round == pendingRound && committed) {
        try {
          control.write(pendingControl);
        } catch (java.io.IOException e) {
          // The server added this participant's control delta; the next round starts from the old c_i,
          // which SCAFFOLD tolerates (its correction is then stale for one round), so say so and go on.
          java.util.logging.Logger.getLogger(DjlLocalWork.class.getName()).warning(e.getMessage());
        }
      }
      if (round == pendingRound) {
        pendingControl = null;
      }
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
      return model().layout().manifest() + settings.algorithm().stateManifest(model().layout().size());
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
