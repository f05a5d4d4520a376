package io.fedmesh.coordinator.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.proto.v1.RoundMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * A red-team driver of the real round engines in one process: like {@link InProcessRounds}, but every
 * message passes an adversary's {@link #tap} that may drop, alter, duplicate or add messages, and every
 * refusal either side makes is recorded.
 */
final class RoundAttackHarness {
  static final int M = 50;
  static final String FED = "test-fed";

  record Delivery(NodeId from, NodeId to, RoundMessage message) {}

  record Refusal(NodeId by, RoundAction.Refused refused) {}

  /** A timer of an engine ({@code delivery} null), or a delivery held back by {@link #latency}. */
  private record Timer(long at, long sequence, NodeId owner, long token, Delivery delivery) {}

  final SigningKey coordinatorKey;
  final NodeId coordinatorId;
  final FederationSettings settings;
  final List<SigningKey> keys = new ArrayList<>();
  final List<NodeId> cohort = new ArrayList<>();
  final Exclusions exclusions = new Exclusions();
  final Map<NodeId, ParticipantRound> participants = new HashMap<>();
  final Map<NodeId, RoundReport> participantReports = new HashMap<>();
  final Map<NodeId, Integer> trainings = new HashMap<>();
  /** Each participant's consecutive aborts, counted as a node's ParticipantAgent counts them. */
  final Map<NodeId, Integer> consecutiveAborts = new HashMap<>();
  final List<Refusal> refusals = new ArrayList<>();
  final List<Delivery> delivered = new ArrayList<>();
  final Map<String, byte[]> store = new HashMap<>();
  CoordinatorRound coordinator;
  /** Coordinator-eligible nodes whose majority participants require on unmask requests (empty: no fence). */
  java.util.Set<NodeId> fence = java.util.Set.of();
  /** The policy every participant engine is created with. */
  ParticipantPolicy policy = ParticipantPolicy.defaults();
  /** Each participant's privacy charger (null: none, so rounds with participant-side DP are declined). */
  Function<NodeId, io.fedmesh.coordinator.privacy.ParticipantPrivacy> privacy = id -> null;
  /** What the coordinator attaches to its unmask requests when it releases them (the ledger's endorsements). */
  Function<RoundAction.AwaitUnmaskRelease, List<io.fedmesh.proto.v1.UnmaskEndorsement>> endorse = u -> List.of();
  /** The adversary: what actually goes on the wire for each message sent. Default: everything as sent. */
  Function<Delivery, List<Delivery>> tap = List::of;
  /** How long each delivery the tap let through takes to arrive, in simulated milliseconds (default: none). */
  java.util.function.ToLongFunction<Delivery> latency = d -> 0L;
  /** The model's length (even); the masked input is m + 1 words, in chunks of RoundPlanner.CHUNK_WORDS. */
  final int m;
  /** The plan's max_concurrent_uploads. */
  final int maxConcurrentUploads;
  private final Deque<Delivery> queue = new ArrayDeque<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
      : Long.compare(a.sequence, b.sequence));
  private long now;
  private long sequence;
  private RoundReport report;

  RoundAttackHarness(int n) {
    this(n, M, RoundPlanner.MAX_CONCURRENT_UPLOADS);
  }

  RoundAttackHarness(int n, int m, int maxConcurrentUploads) {
    this(n, m, maxConcurrentUploads, s -> s);
  }

  /** @param tweak changes the federation's settings (for example its privacy) */
  RoundAttackHarness(int n, java.util.function.UnaryOperator<FederationSettings> tweak) {
    this(n, M, RoundPlanner.MAX_CONCURRENT_UPLOADS, tweak);
  }

  RoundAttackHarness(int n, int m, int maxConcurrentUploads, java.util.function.UnaryOperator<FederationSettings> tweak) {
    this.m = m;
    this.maxConcurrentUploads = maxConcurrentUploads;
    SimulationRandom random = SimulationRandom.fromSeed(11);
    coordinatorKey = SigningKey.generate(random);
    coordinatorId = coordinatorKey.verifyingKey().nodeId();
    FederationSettings d = FederationSettings.defaults(coordinatorId, ModelSpec.logistic(), new int[] {m / 2 - 1}, 2);
    settings = tweak.apply(new FederationSettings(coordinatorId, d.model(), d.inputShape(), 2, 1, "fedavg", 1.0, d.training(), 2, 100,
        1.0, 1000, 1000, 1000, 0.2, 0.05, 100, false, 1.0, 0, 1e-5));
    for (int i = 0; i < n; i++) {
      SigningKey key = SigningKey.generate(random);
      keys.add(key);
      cohort.add(key.verifyingKey().nodeId());
    }
  }

  static FedAvg fedAvg() {
    return new FedAvg(TrainingOptions.defaults(), 1.0, 1.0, 1.0);
  }

  static EvaluationCounts goodCounts() {
    long[] neg = new long[EvaluationCounts.SCORE_BINS];
    long[] pos = new long[EvaluationCounts.SCORE_BINS];
    neg[5] = 5;
    pos[50] = 5;
    return new EvaluationCounts(10, 5.0, new long[][] {{4, 1}, {2, 3}}, neg, pos);
  }

  /** Creates round {@code round}'s coordinator engine (nonce all 7s) and sends its invitations through the tap. */
  void start(long round) {
    float[] global = new float[m];
    byte[] blob = ModelBlob.encode(global);
    var ref = ModelBlob.ref(FED, blob);
    store.put(ModelBlob.hex(ref), blob);
    byte[] nonce = new byte[32];
    Arrays.fill(nonce, (byte) 7);
    // The cohort as a driver chooses it: members that withheld a graph nonce sit out (CoordinatorDriver).
    if (coordinator != null && !coordinator.withheldGraphNonces().isEmpty()) {
      exclusions.exclude(coordinator.withheldGraphNonces(), coordinator.round() + Exclusions.ROUNDS);
    }
    coordinator = new CoordinatorRound(FED, settings, round, exclusions.filter(cohort, round), coordinatorId, global, ref,
        "manifest", fedAvg(), nonce, maxConcurrentUploads);
    report = null;
    coordinatorActions(coordinator.start());
  }

  /** Runs until the coordinator's round ends (or nothing is left to happen); its report. */
  RoundReport run() {
    while (report == null) {
      if (!step()) {
        break;
      }
    }
    return report;
  }

  /** Delivers what is in flight (and what that causes), firing no timer. */
  void flush() {
    while (!queue.isEmpty()) {
      deliver(queue.poll());
    }
  }

  /** Steps until {@code done} holds (or nothing is left to happen). */
  void runUntil(java.util.function.BooleanSupplier done) {
    while (!done.getAsBoolean() && step()) {
      // go on
    }
  }

  /** Runs until nothing is in flight and no timer is left, after the coordinator's end too. */
  void drain() {
    while (step()) {
      // go on
    }
  }

  private boolean step() {
    if (!queue.isEmpty()) {
      deliver(queue.poll());
      return true;
    }
    Timer t = timers.poll();
    if (t == null) {
      return false;
    }
    now = Math.max(now, t.at);
    if (t.delivery != null) {
      queue.add(t.delivery);
    } else if (t.owner.equals(coordinatorId)) {
      coordinatorActions(coordinator.onTimer(t.token));
    } else if (participants.containsKey(t.owner)) {
      participantActions(t.owner, participants.get(t.owner).onTimer(t.token));
    }
    return true;
  }

  /** Hands the coordinator a message now (bypassing the queue); its actions are carried out and returned. */
  List<RoundAction> toCoordinator(NodeId from, RoundMessage message) {
    List<RoundAction> out = coordinator.onMessage(from, message);
    coordinatorActions(out);
    return out;
  }

  RoundReport report() {
    return report;
  }

  /** Puts a message on the wire as if {@code from} had signed it (an adversary's own message). */
  void inject(NodeId from, NodeId to, RoundMessage message) {
    queue.add(new Delivery(from, to, message));
  }

  void deliver(Delivery d) {
    delivered.add(d);
    if (d.to().equals(coordinatorId)) {
      coordinatorActions(coordinator.onMessage(d.from(), d.message()));
      return;
    }
    int i = cohort.indexOf(d.to());
    if (i < 0) {
      return;
    }
    if (d.message().hasInvitation()) {
      ParticipantRound current = participants.get(d.to());
      if (current != null && !current.ended() && d.message().getRound() <= current.round()) {
        refusals.add(new Refusal(d.to(), new RoundAction.Refused(d.from(), "busy", "")));
        return;
      }
      ParticipantRound p = new ParticipantRound(FED, settings, policy, cohort::contains, d.to(),
          keys.get(i), SimulationRandom.fromSeed(100 + i));
      p.fenceUnmasking(fence);
      if (privacy.apply(d.to()) != null) {
        p.chargePrivacy(privacy.apply(d.to()));
      }
      participants.put(d.to(), p);
      long last = participantReports.containsKey(d.to()) ? participantReports.get(d.to()).round() : 0;
      participantActions(d.to(), p.start(d.from(), d.message(), last, consecutiveAborts.getOrDefault(d.to(), 0)));
    } else if (participants.containsKey(d.to())) {
      participantActions(d.to(), participants.get(d.to()).onMessage(d.from(), d.message()));
    }
  }

  private void send(Delivery d) {
    for (Delivery x : tap.apply(d)) {
      long delay = latency.applyAsLong(x);
      if (delay > 0) {
        timers.add(new Timer(now + delay, sequence++, x.from(), -1, x));
      } else {
        queue.add(x);
      }
    }
  }

  /** The simulated time, in milliseconds. */
  long now() {
    return now;
  }

  void coordinatorActions(List<RoundAction> actions) {
    for (RoundAction a : actions) {
      if (a instanceof RoundAction.Send s) {
        send(new Delivery(coordinatorId, s.to(), s.message()));
      } else if (a instanceof RoundAction.StartTimer t) {
        timers.add(new Timer(now + t.delayMillis(), sequence++, coordinatorId, t.token(), null));
      } else if (a instanceof RoundAction.StoreModel s) {
        store.put(ModelBlob.hex(s.model()), s.blob());
      } else if (a instanceof RoundAction.AwaitUnmaskRelease u) {
        coordinatorActions(coordinator.releaseUnmask(endorse.apply(u)));
      } else if (a instanceof RoundAction.Finished f) {
        report = f.report();
      } else if (a instanceof RoundAction.Refused r) {
        refusals.add(new Refusal(coordinatorId, r));
      }
    }
  }

  void participantActions(NodeId who, List<RoundAction> actions) {
    ParticipantRound engine = participants.get(who);
    for (RoundAction a : actions) {
      if (a instanceof RoundAction.Send s) {
        send(new Delivery(who, s.to(), s.message()));
      } else if (a instanceof RoundAction.StartTimer t) {
        timers.add(new Timer(now + t.delayMillis(), sequence++, who, t.token(), null));
      } else if (a instanceof RoundAction.FetchModel f) {
        // The driver's fetch: bytes are checked against the reference's hash (ModelStore.putVerified, TransferInbox).
        byte[] blob = store.get(ModelBlob.hex(f.model()));
        participantActions(who, blob == null ? engine.onModelFailed("no such model")
            : engine.onModel(ModelBlob.decode(blob, (int) (f.model().getSizeBytes() / Float.BYTES))));
      } else if (a instanceof RoundAction.Train t) {
        trainings.merge(who, 1, Integer::sum);
        float[] u = new float[t.global().length];
        Arrays.fill(u, (cohort.indexOf(who) + 1) / 10f / (float) Math.sqrt(u.length));
        participantActions(who, engine.onTrained(u, cohort.indexOf(who) + 1));
      } else if (a instanceof RoundAction.Evaluate e) {
        participantActions(who, engine.onEvaluated(goodCounts()));
      } else if (a instanceof RoundAction.Finished f) {
        participantReports.put(who, f.report());
        if (f.report().committed()) {
          consecutiveAborts.put(who, 0);
        } else if (!f.report().reason().startsWith(ParticipantRound.DECLINED)
            && !f.report().reason().startsWith(ParticipantRound.LEFT_OUT)) {
          consecutiveAborts.merge(who, 1, Integer::sum);
        }
      } else if (a instanceof RoundAction.Refused r) {
        refusals.add(new Refusal(who, r));
      }
    }
  }

  long refusals(NodeId by, String reason) {
    return refusals.stream().filter(r -> r.by().equals(by) && r.refused().reason().equals(reason)).count();
  }

  /** Messages {@code from} put on the wire whose SecAgg body (or round body) is {@code kind}. */
  long sent(NodeId from, String kind) {
    return delivered.stream().filter(d -> d.from().equals(from) && (d.message().getBodyCase().name().equals(kind)
        || d.message().hasSecagg() && d.message().getSecagg().getBodyCase().name().equals(kind))).count();
  }
}
