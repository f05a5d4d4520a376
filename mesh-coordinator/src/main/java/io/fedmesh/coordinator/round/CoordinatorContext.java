package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.ddg.DdgDecoder;
import io.fedmesh.crypto.ddg.DdgSpec;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggResult;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.strategy.AggregatedUpdate;
import io.fedmesh.ml.strategy.Failure;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundOutcome;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the coordinator's states share: the round's plan, the SecAgg server, and what has happened so far. */
final class CoordinatorContext {
  final String federation;
  final FederationSettings settings;
  final RoundPlan plan;
  final SecAggParameters params;
  final SecAggServer server;
  final List<NodeId> cohort;
  final Map<NodeId, Integer> index = new HashMap<>();
  /** The global state: the model, then the algorithm's server state. */
  final float[] global;
  /** The summed update's length (the model's, twice that for SCAFFOLD). */
  final int summedLength;
  final ModelRef globalRef;
  final String manifest;
  final Strategy strategy;
  final Set<Integer> advertised = new HashSet<>();
  /** Advertisers whose graph nonce the server took. */
  final Set<Integer> revealed = new HashSet<>();
  final Map<NodeId, String> declined = new LinkedHashMap<>();
  final Map<String, Long> refusals = new HashMap<>();
  long timerToken;
  /** Whether the last message handed to the server was taken (not refused). */
  boolean lastAccepted;
  int contributors;
  int[] survivors = new int[0];
  ModelRef nextRef;
  EvaluationCounts evaluation;
  /** The personalised models' counts, summed over the reports that carry them (null: none did). */
  EvaluationCounts personalised;
  final Set<Integer> evaluated = new HashSet<>();
  final Map<NodeId, Integer> served = new HashMap<>();

  CoordinatorContext(String federation, FederationSettings settings, RoundPlan plan, SecAggParameters params,
      List<NodeId> cohort, float[] global, int summedLength, ModelRef globalRef, String manifest, Strategy strategy) {
    this.federation = federation;
    this.settings = settings;
    this.plan = plan;
    this.params = params;
    this.server = new SecAggServer(params);
    this.cohort = List.copyOf(cohort);
    for (int i = 0; i < cohort.size(); i++) {
      if (index.put(cohort.get(i), i) != null) {
        throw new IllegalArgumentException("cohort names " + cohort.get(i).shortForm() + " twice");
      }
    }
    this.global = global;
    this.summedLength = summedLength;
    this.globalRef = globalRef;
    this.manifest = manifest;
    this.strategy = strategy;
  }

  long round() {
    return params.round();
  }

  RoundMessage.Builder message() {
    return RoundMessage.newBuilder().setRound(round()).setRoundNonce(plan.getSecagg().getRoundNonce());
  }

  RoundMessage invitation() {
    return message().setInvitation(io.fedmesh.proto.v1.RoundInvitation.newBuilder().setPlan(plan)).build();
  }

  RoundAction.StartTimer timer(long millis) {
    return new RoundAction.StartTimer(++timerToken, millis);
  }

  void count(String reason) {
    refusals.merge(reason, 1L, Long::sum);
  }

  /** Hands a client's SecAgg message to the server, unless its phase already closed (late: dropped, not blamed). */
  CoordinatorState toServer(int client, SecAggMessage m, CoordinatorState current, List<RoundAction> out) {
    var phase = CoordinatorRound.phaseOf(m);
    if (phase == null) {
      out.add(new RoundAction.Refused(cohort.get(client), "not_from_participant", "participants do not send " + m.getBodyCase()));
      count("not_from_participant");
      return current;
    }
    if (phase.ordinal() < server.phase().ordinal()) {
      out.add(new RoundAction.Refused(cohort.get(client), "late", m.getBodyCase() + " arrived after " + phase + " closed"));
      count("late");
      return current;
    }
    List<Outgoing> outgoing;
    try {
      outgoing = server.onMessage(client, m);
    } catch (ProtocolViolation v) {
      String reason = "violation_" + v.code().name().toLowerCase(java.util.Locale.ROOT);
      out.add(new RoundAction.Refused(cohort.get(client), reason, v.getMessage()));
      count(reason);
      return current;
    } catch (RuntimeException e) {
      // Nothing a participant sends may take the round down: whatever the engine throws is a refusal.
      out.add(new RoundAction.Refused(cohort.get(client), "invalid", String.valueOf(e.getMessage())));
      count("invalid");
      return current;
    }
    lastAccepted = true;
    if (m.hasAdvertiseKeys()) {
      advertised.add(client);
    } else if (m.hasGraphNonce()) {
      revealed.add(client);
    }
    return afterServer(outgoing, current, out);
  }

  /** Closes the current SecAgg phase with whoever answered. */
  CoordinatorState deadline(CoordinatorState current, List<RoundAction> out) {
    return afterServer(server.onDeadline(), current, out);
  }

  /** What the server's step means for the round: the next phase, the held unmask requests, the sum, or an abort. */
  CoordinatorState afterServer(List<Outgoing> outgoing, CoordinatorState current, List<RoundAction> out) {
    if (server.abortReason().isPresent()) {
      return abort("secure aggregation aborted: " + server.abortReason().get(), out);
    }
    if (server.result().isPresent()) {
      return sum(server.result().get(), out);
    }
    if (outgoing.isEmpty()) {
      return current;
    }
    if (outgoing.get(0).message().hasUnmaskRequest()) {
      var request = outgoing.get(0).message().getUnmaskRequest();
      out.add(new RoundAction.AwaitUnmaskRelease(round(), request.getSurvivorsList().stream().mapToInt(Integer::intValue).toArray(),
          request.getDroppedList().stream().mapToInt(Integer::intValue).toArray()));
      out.add(timer(settings.phaseDeadlineMillis()));
      return new C2AwaitingUnmaskRelease(outgoing);
    }
    if (C1MaskedInput.applies(this, outgoing)) {
      return new C1MaskedInput(this, outgoing, out);
    }
    send(outgoing, out);
    out.add(timer(settings.phaseDeadlineMillis()));
    return new C1Aggregating();
  }

  void send(List<Outgoing> outgoing, List<RoundAction> out) {
    send(outgoing, List.of(), out);
  }

  /** Sends each message with {@code endorsements} (the ledger's proof for unmask requests). */
  void send(List<Outgoing> outgoing, List<io.fedmesh.proto.v1.UnmaskEndorsement> endorsements, List<RoundAction> out) {
    for (Outgoing o : outgoing) {
      out.add(new RoundAction.Send(cohort.get(o.to()), message().setSecagg(o.message()).addAllEndorsements(endorsements).build()));
    }
  }

  private CoordinatorState sum(SecAggResult result, List<RoundAction> out) {
    survivors = result.survivors().clone();
    contributors = survivors.length;
    if (contributors < 2) {
      // Never reached with SecAgg+ (min_survivors > n/2 >= 1), kept so that no lone update is ever applied.
      return abort("only " + contributors + " update(s) in the sum: a lone update is never applied", out);
    }
    AggregatedUpdate aggregate;
    if (params.integerBits() > 0) {
      // Distributed DP: the participants' encodings carry their noise; decode the noised sum.
      double[] decoded = DdgDecoder.decode(result.integerSum(), DdgSpec.fromProto(plan.getPrivacy().getDdg(), summedLength),
          summedLength);
      float[] sum = new float[decoded.length];
      for (int i = 0; i < sum.length; i++) {
        sum[i] = (float) decoded[i];
      }
      // Every input weighs 1 in integer mode: the divisor is the survivor count, never the clients' own
      // weight words (one client's weight word of 0 or 2 would otherwise rescale everyone's mean).
      aggregate = new AggregatedUpdate(sum, contributors, contributors);
    } else {
      long cap = settings.unitWeights() ? 1 : settings.weightCap();
      double unit = (double) cap / params.quantizer().maxWeight();
      double[] weighted = result.weightedSum();
      float[] sum = new float[weighted.length];
      long[] integers = new long[weighted.length];
      for (int i = 0; i < sum.length; i++) {
        sum[i] = (float) (weighted[i] * unit);
        integers[i] = result.integerSum()[i]; // the signed reading of the word, as the quantiser decodes it
      }
      // The integer form lets central DP noise the sum on its own grid: one unit is unit / scale.
      aggregate = new AggregatedUpdate(sum, result.weightTotal() * unit, contributors, integers, unit / params.quantizer().scale());
    }
    List<Failure> failures = new ArrayList<>();
    Set<Integer> in = new HashSet<>();
    for (int s : survivors) {
      in.add(s);
    }
    for (int c = 0; c < cohort.size(); c++) {
      if (!in.contains(c)) {
        failures.add(new Failure(c, declined.getOrDefault(cohort.get(c), "dropped out")));
      }
    }
    float[] next;
    try {
      next = strategy.aggregateFit((int) Math.min(Integer.MAX_VALUE, round()), global.clone(),
          aggregate, failures);
    } catch (RuntimeException e) {
      return abort("the strategy failed: " + e.getMessage(), out);
    }
    for (int i = 0; i < next.length; i++) {
      if (!Float.isFinite(next[i])) {
        return abort("the new model holds " + next[i] + " at parameter " + i, out);
      }
    }
    byte[] blob = ModelBlob.encode(next);
    nextRef = ModelBlob.ref(federation, blob);
    out.add(new RoundAction.StoreModel(nextRef, blob, manifest));
    RoundMessage outcome = message().setOutcome(RoundOutcome.newBuilder().setCommitted(true).setModel(nextRef)
        .setContributors(contributors)).build();
    for (NodeId member : cohort) {
      out.add(new RoundAction.Send(member, outcome));
    }
    evaluation = EvaluationCounts.empty(settings.classes());
    out.add(timer(settings.evaluationDeadlineMillis()));
    return new C3Evaluating();
  }

  /** Tells the cohort the round is over without a model, and ends it. */
  CoordinatorState abort(String reason, List<RoundAction> out) {
    RoundMessage outcome = message().setOutcome(RoundOutcome.newBuilder().setCommitted(false)
        .setReason(reason.length() > 500 ? reason.substring(0, 500) : reason)).build();
    for (NodeId member : cohort) {
      out.add(new RoundAction.Send(member, outcome));
    }
    contributors = 0;
    out.add(new RoundAction.Finished(new RoundReport(round(), false, reason, cohort, 0, declined, ModelBlob.hex(globalRef),
        null, refusals)));
    return new C4Ended();
  }

  CoordinatorState finish(List<RoundAction> out) {
    out.add(new RoundAction.Finished(new RoundReport(round(), true, "", cohort, contributors, declined,
        ModelBlob.hex(nextRef), evaluation, refusals, personalised)));
    return new C4Ended();
  }
}
