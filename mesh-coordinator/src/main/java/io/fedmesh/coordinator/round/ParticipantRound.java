package io.fedmesh.coordinator.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.ParticipantPrivacy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.eval.EvaluationCounts;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundPlan;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A participant's side of one round, sans I/O: check the invitation against its policy (decline with a
 * reason otherwise), fetch the global model by hash, train (update = trained - global, clipped,
 * weighted), run the SecAgg+ client with its own deadlines, then on a committed outcome fetch the new
 * model, evaluate it on held-out data and report counts. Training, fetching and evaluating are actions
 * the driver carries out and reports back; the engine itself does no I/O.
 *
 * <p>Only the round's coordinator is listened to. Server messages that arrive early (a relay may
 * reorder) are kept, at most one of each kind, until their phase; late ones are dropped. Each engine
 * trains once: an update is never fed to two rounds.
 */
public final class ParticipantRound {
  /** What a participant adds to the coordinator's deadlines for relay latency and clock skew. */
  public static final long SLACK_MILLIS = 5_000;
  /** How a report's reason starts when this participant declined (never counted as the coordinator's abort). */
  public static final String DECLINED = "declined: ";
  /** ... when the round committed before this participant revealed anything (neither an abort nor a commit). */
  public static final String LEFT_OUT = "left out: ";
  /** ... when the coordinator said the round aborted, followed by its reason. */
  public static final String ABORTED = "the coordinator aborted: ";

  private final ParticipantContext ctx;
  private final java.util.function.Predicate<NodeId> participants;
  private java.util.Set<NodeId> unmaskEndorsers;
  private ParticipantPrivacy privacy;
  private ParticipantState state;

  /**
   * @param participants who may be in a cohort: the federation's members with the participant role
   * @param identity this node's identity key (signs in malicious-server mode)
   * @param random a DRBG (SecureRandom); seeded only in simulation
   */
  public ParticipantRound(String federation, FederationSettings settings, ParticipantPolicy policy,
      java.util.function.Predicate<NodeId> participants, NodeId self, SigningKey identity, SecureRandom random) {
    this.participants = participants;
    this.unmaskEndorsers = java.util.Set.of();
    this.ctx = new ParticipantContext(federation, settings, policy, self, identity, random);
    this.state = new P5Ended(); // until start
  }

  /**
   * Fences unmasking: from now on this participant answers an unmask request only if it carries
   * endorsements of the committed unmask authorisation, for the survivor lists of that very request, by
   * a strict majority of {@code coordinators} (the federation's coordinator-eligible nodes). Empty: no
   * fence (a coordinator named in the config).
   */
  public void fenceUnmasking(java.util.Set<NodeId> coordinators) {
    this.unmaskEndorsers = java.util.Set.copyOf(coordinators);
  }

  /**
   * Charges this participant's rounds of privacy to {@code privacy}'s ledger, against the policy's cap.
   * Without it, a round whose plan asks the participant for DP (the distributed discrete Gaussian, DP-SGD)
   * is declined: it could not be counted. Central DP needs nothing here.
   */
  public void chargePrivacy(ParticipantPrivacy privacy) {
    this.privacy = privacy;
  }

  /**
   * The invitation from {@code from}: declines (with a reason) if the policy forbids the round, else
   * joins it and asks for the global model.
   */
  public List<RoundAction> start(NodeId from, RoundMessage invitation, long lastRound, int consecutiveAborts) {
    List<RoundAction> out = new ArrayList<>();
    if (!invitation.hasInvitation()) {
      throw new IllegalArgumentException("not an invitation: " + invitation.getBodyCase());
    }
    Optional<String> refusal;
    try {
      refusal = PolicyCheck.check(ctx.federation, ctx.settings, ctx.policy, participants, ctx.self, from, invitation, lastRound,
          consecutiveAborts);
    } catch (RuntimeException e) {
      refusal = Optional.of("the invitation could not be checked: " + e.getMessage());
    }
    ctx.coordinator = from;
    ctx.round = invitation.getRound();
    ctx.nonce = invitation.getRoundNonce();
    if (refusal.isEmpty()) {
      // Last of the checks, as it spends: charged and saved before this participant accepts (or trains).
      refusal = chargePrivacy(from, invitation);
    }
    if (refusal.isPresent()) {
      ctx.declineAndEnd(refusal.get(), out);
      state = new P5Ended();
      return out;
    }
    RoundPlan plan = invitation.getInvitation().getPlan();
    ctx.accept(plan);
    out.add(new RoundAction.Joined(ctx.round));
    out.add(new RoundAction.FetchModel(from, plan.getGlobalModel()));
    out.add(ctx.timer(plan.getTrainDeadlineMs() + SLACK_MILLIS));
    state = new P0FetchingModel();
    return out;
  }

  private Optional<String> chargePrivacy(NodeId from, RoundMessage invitation) {
    RoundPlan plan = invitation.getInvitation().getPlan();
    if (!plan.getPrivacy().hasDdg() && !plan.getPrivacy().hasDpSgd()) {
      return Optional.empty();
    }
    if (privacy == null) {
      return Optional.of("this participant keeps no privacy ledger, so it cannot take part in rounds with participant-side DP");
    }
    try {
      if (plan.getPrivacy().hasDdg()) {
        // The noise is sized for the federation's corrupt target; this participant counts on no more honest
        // survivors than its own target leaves (min_survivors, as the engine enforces it, less its corrupt count).
        var secagg = plan.getSecagg();
        int own = new io.fedmesh.crypto.secagg.shared.SecAggParameters(secagg).minSurvivors()
            - io.fedmesh.crypto.secagg.shared.ParameterFinder.clientsAt(secagg.getCohortCount(), ctx.policy.targetCorrupt());
        if (own < 1) {
          return Optional.of("min_survivors leaves no honest survivor for this participant's corrupt target");
        }
        if (own < plan.getPrivacy().getDdg().getHonestSurvivors()) {
          var builder = plan.toBuilder();
          builder.getPrivacyBuilder().getDdgBuilder().setHonestSurvivors(own);
          plan = builder.build();
        }
      }
      return privacy.chargeBeforeAccepting(ctx.federation, invitation.getRound(), from, plan, ctx.policy.privacyCap());
    } catch (RuntimeException e) {
      return Optional.of("this round's privacy could not be accounted: " + e.getMessage());
    }
  }

  /** A round message from {@code from} (the envelope's verified sender). */
  public List<RoundAction> onMessage(NodeId from, RoundMessage message) {
    List<RoundAction> out = new ArrayList<>();
    if (ctx.coordinator == null || !from.equals(ctx.coordinator)) {
      out.add(new RoundAction.Refused(from, "not_coordinator", "only the round's coordinator sends server messages"));
    } else if (message.getRound() != ctx.round || !message.getRoundNonce().equals(ctx.nonce)) {
      out.add(new RoundAction.Refused(from, "wrong_round", "a message for round " + message.getRound()
          + " (or another instance of it); this is round " + ctx.round));
    } else {
      switch (message.getBodyCase()) {
        case SECAGG -> {
          if (message.getSecagg().hasUnmaskRequest() && !unmaskEndorsers.isEmpty()) {
            var request = message.getSecagg().getUnmaskRequest();
            byte[] digest = io.fedmesh.coordinator.ledger.SurvivorDigest.of(ctx.plan,
                request.getSurvivorsList().stream().mapToInt(Integer::intValue).toArray(),
                request.getDroppedList().stream().mapToInt(Integer::intValue).toArray());
            try {
              io.fedmesh.coordinator.ledger.UnmaskEndorsements.requireMajority(ctx.federation, ctx.round,
                  com.google.protobuf.ByteString.copyFrom(digest), unmaskEndorsers, message.getEndorsementsList());
            } catch (io.fedmesh.coordinator.ledger.LedgerRefusal refusal) {
              out.add(new RoundAction.Refused(from, "unmask_not_endorsed", refusal.getMessage()));
              return out;
            }
          }
          state = state.onSecAgg(ctx, message.getSecagg(), out);
        }
        case OUTCOME -> state = state.onOutcome(ctx, message.getOutcome(), out);
        default -> out.add(new RoundAction.Refused(from, "not_from_coordinator",
            "a coordinator does not send " + message.getBodyCase()));
      }
    }
    return out;
  }

  /** The model asked for arrived and checked out against its hash. */
  public List<RoundAction> onModel(float[] model) {
    List<RoundAction> out = new ArrayList<>();
    state = state.onModel(ctx, model, out);
    return out;
  }

  /** The model could not be fetched (after the driver's retries). */
  public List<RoundAction> onModelFailed(String reason) {
    List<RoundAction> out = new ArrayList<>();
    state = state.onFailure(ctx, "could not fetch the model: " + reason, out);
    return out;
  }

  /**
   * Training is done: {@code update} is trained minus global, already clipped to the plan's norm, and
   * {@code examples} the number of local training rows (the weight follows from it and the cap).
   */
  public List<RoundAction> onTrained(float[] update, long examples) {
    List<RoundAction> out = new ArrayList<>();
    state = state.onTrained(ctx, update, examples, out);
    return out;
  }

  /** Training failed (diverged, wrong data): the participant declines. */
  public List<RoundAction> onTrainingFailed(String reason) {
    List<RoundAction> out = new ArrayList<>();
    state = state.onFailure(ctx, "training failed: " + reason, out);
    return out;
  }

  /** The held-out evaluation of the new model, or null when there is no held-out data (nothing is reported). */
  public List<RoundAction> onEvaluated(EvaluationCounts counts) {
    return onEvaluated(counts, null);
  }

  /** As above, with the personalised model's counts on the same data (null where the federation does not personalise). */
  public List<RoundAction> onEvaluated(EvaluationCounts counts, EvaluationCounts personalised) {
    List<RoundAction> out = new ArrayList<>();
    state = state.onEvaluated(ctx, counts, personalised, out);
    return out;
  }

  public List<RoundAction> onTimer(long token) {
    List<RoundAction> out = new ArrayList<>();
    if (token == ctx.timerToken) {
      state = state.onDeadline(ctx, out);
    }
    return out;
  }

  public long round() {
    return ctx.round;
  }

  public boolean ended() {
    return state instanceof P5Ended;
  }

  /** "fetching_model", "training", a SecAgg phase, "awaiting_outcome", "evaluating" or "ended". */
  public String phase() {
    return state.name(ctx);
  }

  /** The SecAgg client, once training is done (tests look at its abort reason). */
  public Optional<SecAggClient> secAggClient() {
    return Optional.ofNullable(ctx.client);
  }

  /** The local training options a plan asks for. */
  static TrainingOptions options(RoundPlan plan) {
    var t = plan.getTraining();
    return new TrainingOptions(TrainingOptions.Optimizer.parse(t.getOptimizer()), t.getLearningRate(), t.getEpochs(),
        t.getBatchSize(), t.getProximalMu());
  }

  static Map<String, Long> none() {
    return new HashMap<>();
  }
}
