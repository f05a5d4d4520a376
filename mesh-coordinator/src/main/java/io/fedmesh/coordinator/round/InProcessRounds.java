package io.fedmesh.coordinator.round;

import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantPrivacy;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.proto.v1.ModelRef;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Drives the round engines in one process: the coordinator's and every participant's, messages passed
 * in order through one queue, timers on a virtual clock that jumps to the next deadline whenever no
 * message is in flight ("everyone who is going to answer has answered"). Training and evaluation are
 * the caller's ({@link LocalWork}), one participant at a time (DJL allows one gradient collector per JVM).
 * {@code fedmesh simulate}, tests and benchmarks use it; {@code fedmesh node} drives the same engines
 * over envelopes.
 */
public final class InProcessRounds {

  /**
   * A federation member in this process.
   *
   * @param dropAfterSharing leaves every round after dealing its shares, before its masked input (for dropout tests)
   */
  public record Member(NodeId id, SigningKey identity, LocalWork work, ParticipantPolicy policy, SecureRandom random,
      boolean dropAfterSharing) {}

  private record Delivery(NodeId from, NodeId to, io.fedmesh.proto.v1.RoundMessage message) {}

  private record Timer(long at, long sequence, NodeId owner, long token) {}

  private final String federation;
  private final FederationSettings settings;
  private final NodeId coordinatorId;
  private final Map<NodeId, Member> members = new HashMap<>();
  private final Map<NodeId, Long> lastRound = new HashMap<>();
  private final Map<String, byte[]> store = new HashMap<>();
  private final Map<NodeId, RoundReport> participantReports = new HashMap<>();
  /** Each member's own privacy ledger, kept in memory: participants charge DP rounds as a node does. */
  private final Map<NodeId, ParticipantLedger> ledgers = new HashMap<>();
  private long now;
  private long sequence;

  public InProcessRounds(String federation, FederationSettings settings, List<Member> members) {
    this.federation = federation;
    this.settings = settings;
    this.coordinatorId = settings.coordinator();
    members.forEach(m -> this.members.put(m.id(), m));
  }

  /** Puts a model blob where participants can fetch it; returns its reference. */
  public ModelRef publish(float[] model) {
    byte[] blob = ModelBlob.encode(model);
    ModelRef ref = ModelBlob.ref(federation, blob);
    store.put(ModelBlob.hex(ref), blob);
    return ref;
  }

  /** The stored model a reference names. */
  public float[] model(ModelRef ref, int length) {
    return ModelBlob.decode(store.get(ModelBlob.hex(ref)), length);
  }

  /** Runs one round with {@code cohort} from {@code global} (published first) and returns the coordinator's report. */
  public RoundReport run(long round, List<NodeId> cohort, float[] global, String manifest, Strategy strategy, byte[] nonce) {
    return run(round, cohort, global, manifest, strategy, nonce, RoundPlanner.MAX_CONCURRENT_UPLOADS);
  }

  /** {@link #run(long, List, float[], String, Strategy, byte[])} with at most {@code maxConcurrentUploads} uploads at once. */
  public RoundReport run(long round, List<NodeId> cohort, float[] global, String manifest, Strategy strategy, byte[] nonce,
      int maxConcurrentUploads) {
    ModelRef globalRef = publish(global);
    participantReports.clear();
    CoordinatorRound coordinator = new CoordinatorRound(federation, settings, round, cohort, coordinatorId, global,
        globalRef, manifest, strategy, nonce, maxConcurrentUploads);
    Map<NodeId, ParticipantRound> participants = new HashMap<>();
    Deque<Delivery> queue = new ArrayDeque<>();
    PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
        : Long.compare(a.sequence, b.sequence));
    RoundReport[] report = new RoundReport[1];
    handleCoordinator(coordinator.start(), coordinator, queue, timers, report);
    while (report[0] == null) {
      if (!queue.isEmpty()) {
        Delivery d = queue.poll();
        if (d.to.equals(coordinatorId)) {
          handleCoordinator(coordinator.onMessage(d.from, d.message), coordinator, queue, timers, report);
        } else {
          Member member = members.get(d.to);
          if (member == null) {
            continue;
          }
          ParticipantRound p = participants.get(d.to);
          if (d.message.hasInvitation()) {
            p = new ParticipantRound(federation, settings, member.policy(), members::containsKey, member.id(), member.identity(),
                member.random());
            p.chargePrivacy(new ParticipantPrivacy(ledger(member.id()), member.work().trainingExamples(), DdgAccounting.FULL));
            participants.put(d.to, p);
            handleParticipant(p.start(d.from, d.message, lastRound.getOrDefault(d.to, 0L), 0), p, member, queue, timers);
          } else if (p != null) {
            handleParticipant(p.onMessage(d.from, d.message), p, member, queue, timers);
          }
        }
        continue;
      }
      Timer t = timers.poll();
      if (t == null) {
        throw new IllegalStateException("round " + round + " stalled with no message in flight and no timer");
      }
      now = Math.max(now, t.at);
      if (t.owner.equals(coordinatorId)) {
        handleCoordinator(coordinator.onTimer(t.token), coordinator, queue, timers, report);
      } else if (participants.containsKey(t.owner)) {
        handleParticipant(participants.get(t.owner).onTimer(t.token), participants.get(t.owner), members.get(t.owner),
            queue, timers);
      }
    }
    return report[0];
  }

  private void handleCoordinator(List<RoundAction> actions, CoordinatorRound engine, Deque<Delivery> queue,
      PriorityQueue<Timer> timers, RoundReport[] report) {
    for (RoundAction a : actions) {
      if (a instanceof RoundAction.Send s) {
        queue.add(new Delivery(coordinatorId, s.to(), s.message()));
      } else if (a instanceof RoundAction.StartTimer t) {
        timers.add(new Timer(now + t.delayMillis(), sequence++, coordinatorId, t.token()));
      } else if (a instanceof RoundAction.StoreModel s) {
        store.put(ModelBlob.hex(s.model()), s.blob());
      } else if (a instanceof RoundAction.AwaitUnmaskRelease) {
        handleCoordinator(engine.releaseUnmask(), engine, queue, timers, report);
      } else if (a instanceof RoundAction.Finished f) {
        report[0] = f.report();
      } else if (!(a instanceof RoundAction.ServeModel || a instanceof RoundAction.Refused)) {
        // ServeModel: participants here fetch straight from the store
        throw new IllegalStateException("a coordinator does not ask for " + a);
      }
    }
  }

  private void handleParticipant(List<RoundAction> actions, ParticipantRound engine, Member member, Deque<Delivery> queue,
      PriorityQueue<Timer> timers) {
    for (RoundAction a : actions) {
      if (a instanceof RoundAction.Send s) {
        var secagg = s.message().getSecagg();
        if (!member.dropAfterSharing() || secagg.hasAdvertiseKeys() || secagg.hasGraphNonce() || secagg.hasShareKeys()) {
          queue.add(new Delivery(member.id(), s.to(), s.message()));
        }
      } else if (a instanceof RoundAction.StartTimer t) {
        timers.add(new Timer(now + t.delayMillis(), sequence++, member.id(), t.token()));
      } else if (a instanceof RoundAction.Joined j) {
        lastRound.put(member.id(), j.round());
      } else if (a instanceof RoundAction.FetchModel f) {
        byte[] blob = store.get(ModelBlob.hex(f.model()));
        handleParticipant(blob == null ? engine.onModelFailed("not in the store")
            : engine.onModel(ModelBlob.decode(blob, (int) (f.model().getSizeBytes() / Float.BYTES))), engine, member, queue, timers);
      } else if (a instanceof RoundAction.Train t) {
        List<RoundAction> next;
        try {
          LocalWork.Trained trained = member.work().train(t.global(), t.request());
          next = engine.onTrained(trained.update(), trained.examples());
        } catch (RuntimeException e) {
          next = engine.onTrainingFailed(e.getMessage());
        }
        handleParticipant(next, engine, member, queue, timers);
      } else if (a instanceof RoundAction.Evaluate e) {
        EvaluationCounts counts = member.work().evaluate(e.model());
        EvaluationCounts personalised = counts == null ? null : member.work().evaluatePersonalised(e.model());
        handleParticipant(engine.onEvaluated(counts, personalised), engine, member, queue, timers);
      } else if (a instanceof RoundAction.Finished f) {
        participantReports.put(member.id(), f.report());
        member.work().roundEnded(f.report().round(), f.report().committed());
      } else if (!(a instanceof RoundAction.Refused)) {
        throw new IllegalStateException("a participant does not ask for " + a);
      }
    }
  }

  /** How the last round ended for each participant that took part in it. */
  /** {@code member}'s privacy ledger (in memory, no cap unless its policy has one). */
  public ParticipantLedger ledger(NodeId member) {
    return ledgers.computeIfAbsent(member, m -> new ParticipantLedger(Map.of(), spends -> { }, java.time.Clock.systemUTC(),
        ParticipantLedger.Observer.NONE));
  }

  public Map<NodeId, RoundReport> participantReports() {
    return Map.copyOf(participantReports);
  }

  /** Participants that are members here. */
  public Set<NodeId> memberIds() {
    return Set.copyOf(members.keySet());
  }
}
