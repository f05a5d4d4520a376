package io.fedmesh.node.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.coordinator.round.TrainingRequest;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.ParticipantStep;
import io.fedmesh.ml.train.PrivateLayers;
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
  private final LocalVectorFile control;
  /** A personalising participant's own model (its private layers), kept across rounds and crashes; null otherwise. */
  private final LocalVectorFile personal;
  private LocalModel model;
  private PrivateLayers privateLayers;
  /** The personal model of the round in progress, kept only if that round commits. */
  private float[] pendingPersonal;
  /** The control variate of the round in progress, kept only if that round commits. */
  private float[] pendingControl;
  private long pendingRound = -1;

  /**
   * @param controlFile where SCAFFOLD's control variate is kept (null: the federation does not run SCAFFOLD)
   * @param personalFile where this participant's own model is kept (null: the federation has no private layers)
   */
  DjlLocalWork(FederationSettings settings, Dataset train, Dataset holdout, java.nio.file.Path controlFile,
      java.nio.file.Path personalFile) {
    this.settings = settings;
    this.train = train;
    this.holdout = holdout;
    this.control = controlFile == null ? null : new LocalVectorFile(controlFile, "control variate");
    this.personal = personalFile == null ? null : new LocalVectorFile(personalFile, "personal model");
  }

  @Override
  public Trained train(float[] global, TrainingRequest request) {
    synchronized (TrainingLock.LOCK) {
      // The coordinator's global state read as this federation's algorithm must give this model: checked before
      // the kept files are read, so that a state of another size is not blamed on them (whose error says to remove them).
      int parameters = model().layout().size();
      if (global.length != parameters || (request.serverControl() != null && request.serverControl().length != parameters)) {
        throw new IllegalArgumentException("the round's global model has " + global.length + " values, this federation's"
            + " model " + parameters + ": the coordinator's global state is not of this federation's model and algorithm");
      }
      if (request.serverControl() != null) {
        return trainScaffold(global, request);
      }
      if (personal != null) {
        ParticipantStep.PersonalContribution step = ParticipantStep.runPersonal(model(), global, kept(personal, global.length),
            privateLayers(), train, request.options(), request.dpSgd(), request.clipNorm(), request.unitWeights(),
            request.dpSgd() != null ? AesCtrRandom.secure() : random, System::nanoTime);
        pendingPersonal = step.personalModel();
        pendingRound = request.round();
        return new Trained(step.contribution().update(), train.size());
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
    float[] mine = kept(control, global.length);
    ParticipantStep.ScaffoldContribution step = ParticipantStep.runScaffold(model(), global, request.serverControl(), mine,
        train, request.options(), request.clipNorm(), request.unitWeights(), random, System::nanoTime);
    pendingControl = step.clientControl();
    pendingRound = request.round();
    return new Trained(step.contribution().update(), train.size());
  }

  @Override
  public void roundEnded(long round, boolean committed) {
    synchronized (TrainingLock.LOCK) {
      if (pendingPersonal != null && round == pendingRound && committed) {
        keep(personal, pendingPersonal, "this round's private layers are lost; the next round trains from the last kept ones");
      }
      if (pendingControl != null && round == pendingRound && committed) {
        // The server added this participant's control delta; SCAFFOLD tolerates a correction stale for one round.
        keep(control, pendingControl, "the next round starts from the previous control variate");
      }
      if (round == pendingRound) {
        pendingControl = null;
        pendingPersonal = null;
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

  @Override
  public EvaluationCounts evaluatePersonalised(float[] global) {
    var p = settings.personalisation();
    if (holdout.size() == 0 || !p.enabled()) {
      return null;
    }
    synchronized (TrainingLock.LOCK) {
      float[] mine = pendingPersonal != null ? pendingPersonal : personal == null ? null : kept(personal, global.length);
      ParticipantStep.personalise(model(), global, mine, personal == null ? null : privateLayers(), train,
          settings.training(), p.fineTuneEpochs(), random);
      return model().evaluateCounts(holdout);
    }
  }

  /** What {@code file} keeps, or null before its first committed round; a damaged file fails the round, naming it. */
  private static float[] kept(LocalVectorFile file, int length) {
    try {
      return file.read(length).orElse(null);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Keeps {@code vector} in {@code file}; a failed write is logged, {@code consequence} saying what it costs. */
  private static void keep(LocalVectorFile file, float[] vector, String consequence) {
    try {
      file.write(vector);
    } catch (java.io.IOException e) {
      java.util.logging.Logger.getLogger(DjlLocalWork.class.getName()).warning(e.getMessage() + "; " + consequence);
    }
  }

  /** Builds the model and checks the federation's private-layer prefixes against it. */
  void checkPrivateLayers() {
    synchronized (TrainingLock.LOCK) {
      privateLayers();
    }
  }

  private PrivateLayers privateLayers() {
    if (privateLayers == null) {
      privateLayers = PrivateLayers.of(model().layout(), settings.personalisation().privateLayers());
    }
    return privateLayers;
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
