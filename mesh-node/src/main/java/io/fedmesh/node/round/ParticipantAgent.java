package io.fedmesh.node.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantPrivacy;
import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.coordinator.round.ParticipantRound;
import io.fedmesh.coordinator.round.RoundAction;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.train.NonFiniteUpdateException;
import io.fedmesh.node.model.ModelStore;
import io.fedmesh.node.relay.RoutedTransfers;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.ModelRequest;
import io.fedmesh.proto.v1.RoundMessage;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

/**
 * A node's participant role in one federation: drives {@link ParticipantRound} over envelopes. One
 * round at a time, every step on the agent's own thread (never a gRPC transport thread), so the engine
 * sees one event at a time; training and evaluation run there too, under the process-wide training lock
 * (DJL allows one gradient collector per JVM). Its last joined round and the coordinator's consecutive
 * aborts are kept in the data directory, so a restart cannot be talked into a replayed round.
 */
final class ParticipantAgent implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ParticipantAgent.class.getName());
  /** Fetch attempts of a model before the participant gives up on the round. */
  static final int FETCH_ATTEMPTS = 3;

  private final String federation;
  private final FederationSettings settings;
  private final ParticipantPolicy policy;
  private final java.util.function.Predicate<NodeId> participants;
  private final SigningKey identity;
  private final RoundLink link;
  private final RoutedTransfers transfers;
  private final ModelStore store;
  private final LocalWork work;
  private final RoundStateFile stateFile;
  private final RoundMetrics metrics;
  private final RoleThread thread;
  private final SecureRandom random = new SecureRandom();
  private final java.util.function.Supplier<String> manifest;
  private ParticipantRound current;
  private RoundMessage invitation;
  private long lastRound;
  private int consecutiveAborts;

  /** @param participants the federation's members with the participant role: who may be in a cohort */
  /** Coordinator-eligible nodes whose majority must endorse an unmask request; empty: no fence. */
  private final Set<NodeId> unmaskEndorsers;
  /** The node's own privacy ledger, bound to this federation and this participant's data. */
  private final ParticipantPrivacy privacy;

  ParticipantAgent(String federation, FederationSettings settings, ParticipantPolicy policy,
      java.util.function.Predicate<NodeId> participants, SigningKey identity,
      RoundLink link, RoutedTransfers transfers, ModelStore store, LocalWork work, java.util.function.Supplier<String> manifest, RoundStateFile stateFile,
      RoundMetrics metrics, ExecutorService executor, ScheduledExecutorService timer, Set<NodeId> unmaskEndorsers,
      ParticipantLedger ledger, DdgAccounting ddg)
      throws IOException {
    this.privacy = new ParticipantPrivacy(ledger, work.trainingExamples(), ddg);
    this.unmaskEndorsers = Set.copyOf(unmaskEndorsers);
    this.federation = federation;
    this.settings = settings;
    this.policy = policy;
    this.participants = participants;
    this.identity = identity;
    this.link = link;
    this.transfers = transfers;
    this.store = store;
    this.work = work;
    this.manifest = manifest;
    this.stateFile = stateFile;
    this.metrics = metrics;
    this.thread = new RoleThread(executor, timer, "participant of " + federation);
    Properties p = stateFile.read();
    this.lastRound = stateFile.number(p, "last_round");
    this.consecutiveAborts = (int) Math.min(Integer.MAX_VALUE, stateFile.number(p, "consecutive_aborts"));
  }

  /** A round message from the verified sender {@code from}; handled on the agent's thread. */
  void onMessage(NodeId from, RoundMessage message) {
    thread.submit(() -> handle(from, message));
  }

  private void handle(NodeId from, RoundMessage message) {
    if (message.hasInvitation()) {
      if (current != null && !current.ended() && message.getRound() <= current.round()) {
        metrics.refused(federation, "participant", "busy");
        return;
      }
      // A higher round supersedes one in progress (its coordinator restarted or gave up on it): the old
      // engine hears nothing more, and the new one trains afresh, so no update serves two rounds. Only an
      // invitation this participant accepts does: one it declines (another member posing as coordinator,
      // a plan its policy refuses) leaves the round in progress alone.
      ParticipantRound previous = current;
      RoundMessage previousInvitation = invitation;
      ParticipantRound engine = new ParticipantRound(federation, settings, policy, participants, link.self(), identity, random);
      engine.fenceUnmasking(unmaskEndorsers);
      engine.chargePrivacy(privacy);
      current = engine;
      invitation = message;
      run(engine, engine.start(from, message, lastRound, consecutiveAborts));
      if (engine.ended() && current == engine && previous != null && !previous.ended()) {
        current = previous;
        invitation = previousInvitation;
      }
    } else if (current != null) {
      run(current, current.onMessage(from, message));
    } else {
      metrics.refused(federation, "participant", "no_round");
    }
  }

  private void run(ParticipantRound engine, List<RoundAction> actions) {
    for (RoundAction a : actions) {
      if (engine != current) {
        return;
      }
      if (a instanceof RoundAction.Send s) {
        link.send(federation, s.to(), s.message());
      } else if (a instanceof RoundAction.StartTimer t) {
        thread.after(t.delayMillis(), () -> {
          if (engine == current) {
            run(engine, engine.onTimer(t.token()));
          }
        });
      } else if (a instanceof RoundAction.Joined j) {
        lastRound = j.round();
        persist(); // before anything of this round is sent
      } else if (a instanceof RoundAction.FetchModel f) {
        fetch(engine, f.from(), f.model());
      } else if (a instanceof RoundAction.Train t) {
        run(engine, trainFor(engine, t));
      } else if (a instanceof RoundAction.Evaluate e) {
        EvaluationCounts counts = work.evaluate(e.model());
        EvaluationCounts personalised = counts == null ? null : work.evaluatePersonalised(e.model());
        run(engine, engine.onEvaluated(counts, personalised)); // null: nothing to report, the round ends for it now
      } else if (a instanceof RoundAction.Finished f) {
        finished(f);
      } else if (a instanceof RoundAction.Refused r) {
        metrics.refused(federation, "participant", r.reason());
        LOG.fine(() -> "round message refused (" + r.reason() + "): " + r.detail());
      }
    }
  }

  private List<RoundAction> trainFor(ParticipantRound engine, RoundAction.Train t) {
    LocalWork.Trained trained;
    try {
      trained = work.train(t.global(), t.request());
    } catch (NonFiniteUpdateException e) {
      metrics.refused(federation, "participant", "non_finite_update");
      return engine.onTrainingFailed(e.getMessage());
    } catch (RuntimeException e) {
      return engine.onTrainingFailed(String.valueOf(e.getMessage()));
    }
    return engine.onTrained(trained.update(), trained.examples());
  }

  private void fetch(ParticipantRound engine, NodeId from, ModelRef ref) {
    String id = ModelBlob.hex(ref);
    int length = (int) (ref.getSizeBytes() / Float.BYTES);
    try {
      var stored = store.get(id);
      if (stored.isPresent()) {
        run(engine, engine.onModel(ModelBlob.decode(stored.get().blob(), length)));
        return;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warning("model store: " + e.getMessage() + "; fetching the model again");
    }
    // A fetch of an earlier round that never completed (its round ended first) must not block this one.
    transfers.abandon(from, federation);
    RoundMessage ask = RoundMessage.newBuilder().setRound(invitation.getRound()).setRoundNonce(invitation.getRoundNonce())
        .setModelRequest(ModelRequest.newBuilder().setModel(ref)).build();
    transfers.fetch(from, federation, ref.getSha256().toByteArray(), ref.getSizeBytes(),
        () -> link.send(federation, from, ask), FETCH_ATTEMPTS).whenComplete((bytes, failure) ->
        thread.submit(() -> {
          if (engine != current) {
            return;
          }
          if (failure != null) {
            run(engine, engine.onModelFailed(String.valueOf(failure.getMessage())));
            return;
          }
          float[] parameters;
          try {
            parameters = ModelBlob.decode(bytes, length);
            store.putVerified(id, bytes, manifest.get());
          } catch (IOException | RuntimeException e) {
            run(engine, engine.onModelFailed(e.getMessage()));
            return;
          }
          run(engine, engine.onModel(parameters));
        }));
  }

  private void finished(RoundAction.Finished f) {
    var report = f.report();
    work.roundEnded(report.round(), report.committed());
    String outcome = report.committed() ? "committed" : report.reason().startsWith(ParticipantRound.DECLINED) ? "declined"
        : report.reason().startsWith(ParticipantRound.LEFT_OUT) ? "left_out" : "aborted";
    if (report.committed()) {
      consecutiveAborts = 0;
    } else if (outcome.equals("aborted")) {
      consecutiveAborts++;
    }
    persist();
    metrics.participation(federation, outcome);
    LOG.info(String.format(Locale.ROOT, "%s round %d: %s%s", federation, report.round(), outcome,
        report.committed() ? "" : " (" + report.reason() + ")"));
  }

  private void persist() {
    try {
      stateFile.write("last_round=" + lastRound + "\nconsecutive_aborts=" + consecutiveAborts + "\n");
    } catch (IOException e) {
      // Not remembering the round would let a replay through: stop taking part until the disk works.
      LOG.severe(stateFile.path() + ": " + e.getMessage() + "; this participant stops answering rounds");
      current = null;
      lastRound = Long.MAX_VALUE;
    }
  }


  /** Whether it is in a round now, and which. */
  String phase() {
    return current == null ? "idle" : current.phase();
  }


  @Override
  public void close() {
    thread.close();
    if (work instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warning("closing the local model: " + e.getMessage());
      }
    }
  }
}
