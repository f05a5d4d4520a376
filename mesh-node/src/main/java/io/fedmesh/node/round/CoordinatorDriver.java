package io.fedmesh.node.round;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.round.CohortSelection;
import io.fedmesh.coordinator.round.CoordinatorRound;
import io.fedmesh.coordinator.round.Exclusions;
import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.coordinator.round.RoundAction;
import io.fedmesh.coordinator.round.RoundReport;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.coordinator.federation.FederationStrategies;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.node.model.ModelStore;
import io.fedmesh.node.relay.RoutedTransfers;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.RoundMessage;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A node's coordinator role in one federation: runs rounds one after another with
 * {@link CoordinatorRound}, over envelopes. Started and stopped from outside ({@link #start},
 * {@link #role}: by the operator, or by Raft leadership when the coordinator is elected). Every step
 * runs on the driver's own thread. Each round's start, unmasking and end are recorded in its
 * {@link RoundLedger} and the round goes on only once the record is accepted: with an elected
 * coordinator that is the federation ledger, which fences a deposed coordinator, and unmask requests go
 * out with the coordinator-eligible nodes' endorsements; with a named one, its state file. Models are
 * kept in the content-addressed store.
 */
final class CoordinatorDriver implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CoordinatorDriver.class.getName());
  /** Pause before the next round after one that could not start (too few participants up). */
  static final long RETRY_MILLIS = 2_000;
  /** About a minute of retries (at {@link #RETRY_MILLIS}) before rounds that cannot start are given up. */
  static final int MAX_FAILED_STARTS = 30;
  /** Finished rounds kept for status. */
  static final int HISTORY = 1_000;

  private final String federation;
  private final FederationSettings settings;
  private final RoundLink link;
  private final RoutedTransfers transfers;
  private final ModelStore store;
  private final Supplier<List<NodeId>> candidates;
  private final int federationParticipants;
  private final RoundLedger ledger;
  private final RoundMetrics metrics;
  private final RoleThread thread;
  private final SecureRandom random = new SecureRandom();
  private final List<RoundStatus.Finished> history = new ArrayList<>();
  private final Exclusions exclusions = new Exclusions();
  private final java.util.LinkedHashMap<String, ByteString> served = new java.util.LinkedHashMap<>();
  private CoordinatorRound engine;
  private String roundBase = "";
  private long newModelBytes;
  private long lastCommitted;
  private String modelId = "";
  private String manifest;
  private float[] global;
  private int roundsLeft;
  /** Starts that failed in a row: after {@link #MAX_FAILED_STARTS} the rounds left are given up. */
  private int failedStarts;
  private long roundStartNanos;
  private String phase = "idle";
  private long phaseStartNanos;
  private volatile RoundStatus status;
  private boolean active = true;

  /**
   * @param candidates the federation's participants that are up now (SWIM says alive), this node excluded
   * @param federationParticipants n for central DP's divisor: every participant of the federation
   */
  CoordinatorDriver(String federation, FederationSettings settings, RoundLink link, RoutedTransfers transfers, ModelStore store,
      Supplier<List<NodeId>> candidates, int federationParticipants, RoundLedger ledger, RoundMetrics metrics,
      ExecutorService executor, ScheduledExecutorService timer, boolean active) {
    this.federation = federation;
    this.settings = settings;
    this.link = link;
    this.transfers = transfers;
    this.store = store;
    this.candidates = candidates;
    this.federationParticipants = federationParticipants;
    this.ledger = ledger;
    this.metrics = metrics;
    this.active = active;
    this.thread = new RoleThread(executor, timer, "coordinator of " + federation);
    this.lastCommitted = ledger.lastCommittedRound();
    this.modelId = ledger.lastModel();
    publish();
  }

  /** Starts {@code rounds} rounds after whatever is running. */
  synchronized RoundStatus start(int rounds) {
    if (rounds < 1 || rounds > 100_000) {
      throw new IllegalArgumentException("rounds must be in [1, 100000], got " + rounds);
    }
    if (!active) {
      throw new IllegalStateException("this node does not hold the coordinator role of federation '" + federation + "' now");
    }
    if (roundsLeft > 0 || engine != null && !engine.ended()) {
      throw new IllegalStateException("rounds of federation '" + federation + "' are already running (round "
          + (engine == null ? lastCommitted : engine.round()) + ")");
    }
    roundsLeft = rounds;
    failedStarts = 0;
    thread.submit(this::nextRound);
    publish();
    return status;
  }

  /**
   * Takes the coordinator role away ({@code active} false: the round in progress is aborted with
   * {@code reason}, no rounds are left, and {@link #start} is refused) or gives it back. The seam where
   * Raft leadership will drive the role.
   */
  void role(boolean active, String reason) {
    synchronized (this) {
      this.active = active;
      if (!active) {
        roundsLeft = 0;
      }
    }
    thread.submit(() -> {
      if (!active && engine != null && !engine.ended()) {
        run(engine.abort(reason));
      }
      if (active) {
        // Another coordinator may have committed rounds meanwhile: go on from the ledger's last model.
        lastCommitted = ledger.lastCommittedRound();
        modelId = ledger.lastModel();
        global = null;
        publish();
      }
    });
  }

  /** Whether this node holds the role now. */
  synchronized boolean active() {
    return active;
  }

  RoundStatus status() {
    return status;
  }

  /** A round message from the verified sender {@code from}. */
  void onMessage(NodeId from, RoundMessage message) {
    thread.submit(() -> {
      if (engine == null) {
        metrics.refused(federation, "coordinator", "no_round");
        return;
      }
      run(engine.onMessage(from, message));
    });
  }

  private void nextRound() {
    synchronized (this) {
      if (roundsLeft == 0) {
        publish();
        return;
      }
    }
    long round = Math.max(ledger.lastRound(), engine == null ? 0 : engine.round()) + 1;
    roundStartNanos = System.nanoTime();
    try {
      loadGlobal();
    } catch (IOException | RuntimeException e) {
      endWithoutRound(round, "cannot load the global model: " + e.getMessage());
      return;
    }
    List<NodeId> cohort = CohortSelection.choose(exclusions.filter(candidates.get(), round), settings, random);
    if (cohort.size() < settings.minParticipants()) {
      endWithoutRound(round, cohort.size() + " participant(s) up and chosen, the federation needs at least "
          + settings.minParticipants());
      return;
    }
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    ModelRef ref = ModelBlob.ref(federation, ModelBlob.encode(global));
    try {
      engine = new CoordinatorRound(federation, settings, round, cohort, link.self(), global, ref, manifest, strategy(), nonce);
    } catch (IllegalArgumentException e) {
      endWithoutRound(round, e.getMessage());
      return;
    }
    CoordinatorRound created = engine;
    roundBase = modelId;
    int left;
    synchronized (this) {
      left = roundsLeft - 1;
    }
    ledger.started(round, roundBase, cohort, left, created.plan()).whenComplete((ok, failure) -> thread.submit(() -> {
      if (engine != created) {
        return;
      }
      if (failure == null) {
        synchronized (this) {
          // A round counts once its start is on the record: one that could not start (too few
          // participants, the model not here yet, a ledger that was electing) is tried again, so a
          // new coordinator's first moments never eat one of the rounds asked for.
          roundsLeft = Math.max(0, roundsLeft - 1);
          failedStarts = 0;
        }
      }
      if (failure != null) {
        engine = null;
        if (unwrap(failure) instanceof RoundLedger.Refused r && !r.retry()) {
          synchronized (this) {
            roundsLeft = 0;
          }
        }
        endWithoutRound(round, "the ledger did not record the round's start: " + unwrap(failure).getMessage());
        return;
      }
      LOG.info(String.format(Locale.ROOT, "%s round %d: inviting %d participants (k=%d, t=%d)", federation, round, cohort.size(),
          created.plan().getSecagg().getNeighbours(), created.plan().getSecagg().getThreshold()));
      run(created.start());
    }));
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private void endWithoutRound(long round, String reason) {
    LOG.warning(federation + " round " + round + " not started: " + reason);
    record(new RoundStatus.Finished(round, "aborted", reason, modelId, 0, 0, Double.NaN, Double.NaN, Double.NaN, 0));
    metrics.roundEnded(federation, "aborted", Duration.ofNanos(System.nanoTime() - roundStartNanos));
    engine = null;
    synchronized (this) {
      if (roundsLeft > 0 && ++failedStarts >= MAX_FAILED_STARTS) {
        LOG.warning(federation + ": " + failedStarts + " rounds in a row could not start; giving up the " + roundsLeft
            + " round(s) left (start them again with `fedmesh round start`)");
        roundsLeft = 0;
        failedStarts = 0;
      }
    }
    if (roundsLeft > 0) {
      thread.after(RETRY_MILLIS, this::nextRound);
    }
    publish();
  }

  private void loadGlobal() throws IOException {
    if (global != null) {
      return;
    }
    int length;
    var algorithm = settings.algorithm();
    try (LocalModel initial = new LocalModel(settings.model(), settings.inputShape(), settings.classes(), settings.initSeed())) {
      // The stored global state is the model, then the algorithm's server state (optimiser moments,
      // SCAFFOLD's control variate): committed, replicated and recovered with the model itself.
      int n = initial.layout().size();
      manifest = initial.layout().manifest() + algorithm.stateManifest(n);
      global = algorithm.initialState(initial.parameters(), settings.adaptive());
      length = global.length;
    }
    if (!modelId.isEmpty()) {
      ModelStore.StoredModel stored = store.get(modelId).orElseThrow(() -> new IOException("model " + modelId
          + " of committed round " + lastCommitted + " is not in the store"));
      global = ModelBlob.decode(stored.blob(), length);
    } else {
      modelId = store.put(ModelBlob.encode(global), manifest);
    }
  }

  private Strategy strategy() {
    return FederationStrategies.of(settings, 1.0, federationParticipants, random);
  }

  private void run(List<RoundAction> actions) {
    CoordinatorRound current = engine;
    for (RoundAction a : actions) {
      if (a instanceof RoundAction.Send s) {
        link.send(federation, s.to(), s.message());
      } else if (a instanceof RoundAction.StartTimer t) {
        thread.after(t.delayMillis(), () -> {
          if (engine == current) {
            run(current.onTimer(t.token()));
          }
        });
      } else if (a instanceof RoundAction.ServeModel s) {
        serve(s.to(), ModelBlob.hex(s.model()));
      } else if (a instanceof RoundAction.StoreModel s) {
        try {
          newModelBytes = s.blob().length;
          remember(store.put(s.blob(), s.manifest()), ByteString.copyFrom(s.blob()));
        } catch (IOException | RuntimeException e) {
          // Nothing is announced before the model is safely stored.
          run(current.abort("cannot store the new model: " + e.getMessage()));
          return;
        }
      } else if (a instanceof RoundAction.AwaitUnmaskRelease u) {
        ledger.unmaskAuthorised(current.plan(), u.round(), u.survivors(), u.dropped()).whenComplete((endorsements, failure) -> thread.submit(() -> {
          if (engine != current || current.ended()) {
            return;
          }
          run(failure != null ? current.abort("unmasking was not authorised: " + unwrap(failure).getMessage())
              : current.releaseUnmask(endorsements));
        }));
      } else if (a instanceof RoundAction.Finished f) {
        finished(f.report());
      } else if (a instanceof RoundAction.Refused r) {
        metrics.refused(federation, "coordinator", r.reason());
        LOG.fine(() -> "round message refused (" + r.reason() + "): " + r.detail());
      }
    }
    trackPhase();
    publish();
  }

  private void serve(NodeId to, String id) {
    try {
      ByteString blob = served.get(id);
      if (blob == null) {
        blob = ByteString.copyFrom(store.get(id).orElseThrow(() -> new IOException("not in the store")).blob());
        remember(id, blob);
      }
      transfers.send(to, federation, blob).whenComplete((receipt, failure) -> {
        if (failure != null) {
          LOG.fine(() -> "model " + id + " to " + to.shortForm() + ": " + failure.getMessage());
        }
      });
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot serve model " + id + ": " + e.getMessage());
    }
  }

  /** Keeps the round's models in memory (the global and the new one): each is sent to every participant. */
  private void remember(String id, ByteString blob) {
    served.put(id, blob);
    while (served.size() > 2) {
      served.remove(served.keySet().iterator().next());
    }
  }

  private void finished(RoundReport report) {
    CoordinatorRound ended = engine;
    if (!report.committed()) {
      ledger.aborted(report.round(), report.reason()).whenComplete((ok, failure) -> {
        if (failure != null) {
          LOG.fine(() -> federation + " round " + report.round() + ": abort not recorded: " + unwrap(failure).getMessage());
        }
      });
      recorded(report, ended);
      return;
    }
    ledger.committed(report, roundBase, newModelBytes).whenComplete((ok, failure) -> thread.submit(() -> {
      if (failure == null) {
        recorded(report, ended);
      } else {
        LOG.warning(federation + " round " + report.round() + ": the commit was not recorded, so the round does not count: "
            + unwrap(failure).getMessage());
        recorded(new RoundReport(report.round(), false, "the commit was not recorded: " + unwrap(failure).getMessage(),
            report.cohort(), report.contributors(), report.declined(), "", report.evaluation(), report.refusals()), ended);
      }
    }));
  }

  private void recorded(RoundReport report, CoordinatorRound ended) {
    double seconds = (System.nanoTime() - roundStartNanos) / 1e9;
    List<NodeId> withheld = ended.withheldGraphNonces();
    if (!withheld.isEmpty()) {
      exclusions.exclude(withheld, report.round() + Exclusions.ROUNDS);
      LOG.warning(federation + " round " + report.round() + ": " + withheld.size() + " member(s) withheld their graph nonce "
          + "after advertising; they sit out the next " + Exclusions.ROUNDS + " rounds: "
          + withheld.stream().map(NodeId::shortForm).toList());
    }
    metrics.last(federation, "excluded", exclusions.size());
    var evaluation = report.evaluation();
    if (report.committed()) {
      lastCommitted = report.round();
      modelId = report.modelSha256();
      global = null; // loaded from the store for the next round
      metrics.last(federation, "model_version", report.round());
      if (evaluation != null && evaluation.examples() > 0) {
        metrics.evaluation(federation, evaluation.meanLoss(), evaluation.accuracy(), evaluation.auc());
      }
    }
    metrics.roundEnded(federation, report.committed() ? "committed" : "aborted", Duration.ofMillis((long) (seconds * 1000)));
    metrics.last(federation, "participants", report.cohort().size());
    metrics.last(federation, "contributors", report.contributors());
    metrics.last(federation, "declined", report.declined().size());
    metrics.last(federation, "dropped", ended == null ? 0 : ended.dropped());
    boolean hasEval = evaluation != null && evaluation.examples() > 0;
    var personal = hasEval && report.personalised() != null && report.personalised().examples() > 0 ? report.personalised() : null;
    record(new RoundStatus.Finished(report.round(), report.committed() ? "committed" : "aborted", report.reason(),
        report.modelSha256(), report.contributors(), hasEval ? evaluation.examples() : 0,
        hasEval ? evaluation.meanLoss() : Double.NaN, hasEval ? evaluation.accuracy() : Double.NaN,
        hasEval ? evaluation.auc() : Double.NaN, (long) (seconds * 1000), personal != null ? personal.accuracy() : Double.NaN,
        personal != null ? personal.auc() : Double.NaN));
    LOG.info(String.format(Locale.ROOT, "%s round %d %s in %.1f s: %d contributors%s%s", federation, report.round(),
        report.committed() ? "committed" : "aborted", seconds, report.contributors(),
        report.committed() ? "" : " (" + report.reason() + ")",
        hasEval ? String.format(Locale.ROOT, ", accuracy %.4f, loss %.4f", evaluation.accuracy(), evaluation.meanLoss()) : "")
        + (personal != null ? String.format(Locale.ROOT, ", personalised accuracy %.4f", personal.accuracy()) : ""));
    thread.submit(this::nextRound);
  }

  private void record(RoundStatus.Finished finished) {
    synchronized (history) {
      history.add(finished);
      if (history.size() > HISTORY) {
        history.remove(0);
      }
    }
  }

  private void trackPhase() {
    String now = engine == null ? "idle" : engine.phase();
    if (!now.equals(phase)) {
      long t = System.nanoTime();
      if (!phase.equals("idle") && !phase.equals("ended")) {
        metrics.phaseEnded(federation, phase, Duration.ofNanos(t - phaseStartNanos));
      }
      phase = now;
      phaseStartNanos = t;
    }
  }

  private void publish() {
    List<RoundStatus.Finished> done;
    synchronized (history) {
      done = List.copyOf(history);
    }
    CoordinatorRound e = engine;
    boolean active = e != null && !e.ended();
    status = new RoundStatus(federation, e == null ? lastCommitted : e.round(), active ? e.phase() : "idle",
        e == null ? 0 : e.plan().getSecagg().getCohortCount(), e == null ? 0 : e.advertised(), e == null ? 0 : e.declined(),
        e == null ? 0 : e.dropped(), roundsLeft, modelId, done);
  }



  @Override
  public void close() {
    thread.close();
  }
}
