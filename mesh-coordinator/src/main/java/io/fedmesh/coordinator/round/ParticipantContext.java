package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.ddg.DdgSpec;
import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.RoundDecline;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.SecAggMessage;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a participant's states share. */
final class ParticipantContext {
  final String federation;
  final FederationSettings settings;
  final ParticipantPolicy policy;
  final NodeId self;
  final SigningKey identity;
  final SecureRandom random;
  NodeId coordinator;
  long round;
  ByteString nonce = ByteString.EMPTY;
  RoundPlan plan;
  SecAggParameters params;
  int me;
  /** The global state's length: the model, then the algorithm's server state. */
  int stateLength;
  /** The model's parameter count. */
  int modelLength;
  /** The summed update's length (SCAFFOLD: model and control deltas; the SecAgg vector is longer when DDG pads it). */
  int summedLength;
  /** The distributed discrete Gaussian this round's participants add, or null. */
  DdgSpec ddg;
  SecAggClient client;
  long timerToken;
  /** Server messages that came before their phase, by their place in the phase order; at most one of each. */
  final Map<Integer, SecAggMessage> early = new TreeMap<>();
  int nextServerMessage;
  ModelRef newModel;
  int contributors;
  EvaluationCounts evaluation;

  ParticipantContext(String federation, FederationSettings settings, ParticipantPolicy policy, NodeId self,
      SigningKey identity, SecureRandom random) {
    this.federation = federation;
    this.settings = settings;
    this.policy = policy;
    this.self = self;
    this.identity = identity;
    this.random = random;
  }

  void accept(RoundPlan plan) {
    this.plan = plan;
    this.params = new SecAggParameters(plan.getSecagg());
    this.me = PolicyCheck.indexOf(plan, self);
    this.stateLength = PolicyCheck.stateLength(plan);
    this.modelLength = settings.algorithm().modelLength(stateLength);
    this.summedLength = settings.algorithm().summedLength(modelLength);
    this.ddg = plan.getPrivacy().hasDdg() ? DdgSpec.fromProto(plan.getPrivacy().getDdg(), summedLength) : null;
  }

  RoundMessage.Builder message() {
    return RoundMessage.newBuilder().setRound(round).setRoundNonce(nonce);
  }

  RoundAction.StartTimer timer(long millis) {
    return new RoundAction.StartTimer(++timerToken, millis);
  }

  /**
   * How long to wait for the server's next message: its phase deadline twice over, plus one per extra
   * wave of bounded uploads (the masked-input phase may last that long), plus relay slack.
   */
  long secAggWait() {
    int bound = plan.getMaxConcurrentUploads();
    int n = plan.getSecagg().getCohortCount();
    long waves = bound <= 0 ? 1 : (n + bound - 1) / bound;
    return (1L + waves) * plan.getPhaseDeadlineMs() + ParticipantRound.SLACK_MILLIS;
  }

  void send(List<SecAggMessage> messages, List<RoundAction> out) {
    for (SecAggMessage m : messages) {
      out.add(new RoundAction.Send(coordinator, message().setSecagg(m).build()));
    }
  }

  /** Declines the round (the coordinator learns why) and ends it for this participant. */
  ParticipantState declineAndEnd(String reason, List<RoundAction> out) {
    String line = reason.replace('\n', ' ');
    out.add(new RoundAction.Send(coordinator, message().setDecline(RoundDecline.newBuilder()
        .setReason(line.length() > 500 ? line.substring(0, 500) : line)).build()));
    return end(ParticipantRound.DECLINED + line, false, out);
  }

  ParticipantState end(String reason, boolean committed, List<RoundAction> out) {
    timerToken++; // no timer of this round matters any more
    List<NodeId> cohort = plan == null ? List.of() : plan.getSecagg().getCohortList().stream()
        .map(id -> NodeId.ofBytes(id.getSha256().toByteArray())).toList();
    out.add(new RoundAction.Finished(new RoundReport(round, committed, committed ? "" : reason, cohort, contributors,
        Map.of(), newModel == null ? "" : ModelBlob.hex(newModel), evaluation, Map.of())));
    return new P5Ended();
  }
}
