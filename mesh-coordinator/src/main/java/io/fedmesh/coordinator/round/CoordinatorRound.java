package io.fedmesh.coordinator.round;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.ml.strategy.Strategy;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's side of one round, sans I/O: invite the cohort (global model by hash and the
 * round's plan), run the SecAgg+ server over the participants' messages with a deadline per phase,
 * hold the unmask requests until the driver releases them (the ledger's seam), decode the weighted
 * sum, let the strategy make the next model, store it, announce the outcome, and add up the
 * participants' evaluation reports. It consumes messages and timer events and returns actions
 * ({@link RoundAction}); one message at a time (the driver serialises calls).
 *
 * <p>A participant's client index is its place in the cohort, found from the envelope's verified
 * sender, never from a field of the message. Messages of another round or instance, from outside the
 * cohort, or of a phase already closed are refused without touching the round; a message the SecAgg
 * server refuses is counted as that participant's violation.
 */
public final class CoordinatorRound {
  /** Model transfers one participant may ask for in one round (the global and the new model, with retries). */
  public static final int MAX_MODEL_SENDS = 6;
  private final CoordinatorContext ctx;
  private CoordinatorState state;

  /**
   * @param global the global state the round trains from (the model, then any server state of the
   *     algorithm), and {@code globalRef} its stored blob's address
   * @param strategy turns the decoded sum into the next model
   * @param nonce 16-64 fresh random bytes (a DRBG on a node)
   */
  public CoordinatorRound(String federation, FederationSettings settings, long round, List<NodeId> cohort, NodeId self,
      float[] global, ModelRef globalRef, String manifest, Strategy strategy, byte[] nonce) {
    this(federation, settings, round, cohort, self, global, globalRef, manifest, strategy, nonce,
        RoundPlanner.MAX_CONCURRENT_UPLOADS);
  }

  /** @param maxConcurrentUploads masked-input uploads staged at once (0: no bound; {@link C1MaskedInput}) */
  public CoordinatorRound(String federation, FederationSettings settings, long round, List<NodeId> cohort, NodeId self,
      float[] global, ModelRef globalRef, String manifest, Strategy strategy, byte[] nonce, int maxConcurrentUploads) {
    var algorithm = settings.algorithm();
    int summedLength = algorithm.summedLength(algorithm.modelLength(global.length));
    RoundPlan plan = RoundPlanner.plan(federation, settings, round, cohort, self, globalRef, summedLength, nonce,
        maxConcurrentUploads);
    this.ctx = new CoordinatorContext(federation, settings, plan, new SecAggParameters(plan.getSecagg()), cohort,
        global.clone(), summedLength, globalRef, manifest, strategy);
    this.state = new C0Inviting();
  }

  /** The round's plan, as the invitations carry it. */
  public RoundPlan plan() {
    return ctx.plan;
  }

  public long round() {
    return ctx.round();
  }

  /** "inviting", a SecAgg phase name in lower case, "awaiting_unmask_release", "evaluating" or "ended". */
  public String phase() {
    return state.name(ctx);
  }

  /** Cohort members whose keys arrived. */
  public int advertised() {
    return ctx.advertised.size();
  }

  public int declined() {
    return ctx.declined.size();
  }

  /** Cohort members that advertised but are not among the round's survivors (0 until the sum is known). */
  public int dropped() {
    return ctx.contributors == 0 ? 0 : ctx.advertised.size() - ctx.contributors;
  }

  /** Sends the invitations and starts the training deadline. */
  public List<RoundAction> start() {
    List<RoundAction> out = new ArrayList<>();
    RoundMessage invitation = ctx.invitation();
    for (NodeId member : ctx.cohort) {
      out.add(new RoundAction.Send(member, invitation));
    }
    out.add(ctx.timer(C0Inviting.slice(ctx)));
    return out;
  }

  /** A round message from {@code from} (the envelope's verified sender). */
  public List<RoundAction> onMessage(NodeId from, RoundMessage message) {
    List<RoundAction> out = new ArrayList<>();
    Integer client = ctx.index.get(from);
    if (message.getRound() != ctx.round() || !message.getRoundNonce().equals(ctx.plan.getSecagg().getRoundNonce())) {
      out.add(new RoundAction.Refused(from, "wrong_round", "a message for round " + message.getRound()
          + " (or another instance of it); this is round " + ctx.round()));
    } else if (client == null) {
      out.add(new RoundAction.Refused(from, "not_in_cohort", "round " + ctx.round() + " did not invite " + from.shortForm()));
    } else {
      switch (message.getBodyCase()) {
        case MODEL_REQUEST -> {
          ModelRef asked = message.getModelRequest().getModel();
          if (ctx.served.merge(from, 1, Integer::sum) > MAX_MODEL_SENDS) {
            // Each request costs a whole model on the wire: a participant gets a few retries per round, no more.
            out.add(new RoundAction.Refused(from, "too_many_model_requests", "more than " + MAX_MODEL_SENDS
                + " model requests in round " + ctx.round()));
          } else if (asked.getSha256().equals(ctx.globalRef.getSha256())) {
            out.add(new RoundAction.ServeModel(from, ctx.globalRef));
          } else if (ctx.nextRef != null && asked.getSha256().equals(ctx.nextRef.getSha256())) {
            out.add(new RoundAction.ServeModel(from, ctx.nextRef));
          } else {
            out.add(new RoundAction.Refused(from, "unknown_model", "asked for a model this round does not use"));
          }
        }
        case DECLINE, SECAGG, EVALUATION -> state = state.onMessage(ctx, client, message, out);
        default -> out.add(new RoundAction.Refused(from, "not_from_participant",
            "participants do not send " + message.getBodyCase()));
      }
    }
    return out;
  }

  /** A timer this engine started went off; stale tokens are ignored. */
  public List<RoundAction> onTimer(long token) {
    List<RoundAction> out = new ArrayList<>();
    if (token == ctx.timerToken) {
      state = state.onDeadline(ctx, out);
    }
    return out;
  }

  /** Unmasking may go ahead, needing no proof (a coordinator named in the config; simulation). */
  public List<RoundAction> releaseUnmask() {
    return releaseUnmask(List.of());
  }

  /**
   * Unmasking may go ahead: the ledger committed the authorisation; {@code endorsements} (a majority
   * of the coordinator-eligible nodes' signatures over it) go with every unmask request.
   */
  public List<RoundAction> releaseUnmask(List<io.fedmesh.proto.v1.UnmaskEndorsement> endorsements) {
    List<RoundAction> out = new ArrayList<>();
    state = state.onUnmaskReleased(ctx, endorsements, out);
    return out;
  }

  /** Ends the round now (the coordinator role was taken away, or the node is stopping). */
  public List<RoundAction> abort(String reason) {
    List<RoundAction> out = new ArrayList<>();
    if (!(state instanceof C4Ended)) {
      state = ctx.abort(reason, out);
    }
    return out;
  }

  public boolean ended() {
    return state instanceof C4Ended;
  }

  /**
   * The members that advertised their keys and then withheld their graph nonce, if the round aborted for
   * it (the SecAgg server aborts in FIX_GRAPH): a driver leaves them out of its next cohorts
   * ({@link Exclusions}). Empty otherwise.
   */
  public List<NodeId> withheldGraphNonces() {
    var reason = ctx.server.abortReason();
    if (reason.isEmpty() || reason.get().phase() != Phase.FIX_GRAPH) {
      return List.of();
    }
    List<NodeId> withheld = new ArrayList<>();
    for (int c : ctx.advertised) {
      if (!ctx.revealed.contains(c)) {
        withheld.add(ctx.cohort.get(c));
      }
    }
    return withheld;
  }

  /** The SecAgg server (for tests and benchmarks that look at its work and violations). */
  public SecAggServer secAggServer() {
    return ctx.server;
  }

  /** How many refusals of each kind this round has made so far. */
  public Map<String, Long> refusals() {
    return new HashMap<>(ctx.refusals);
  }

  static Phase phaseOf(io.fedmesh.proto.v1.SecAggMessage m) {
    return switch (m.getBodyCase()) {
      case ADVERTISE_KEYS -> Phase.ADVERTISE_KEYS;
      case GRAPH_NONCE -> Phase.FIX_GRAPH;
      case SHARE_KEYS -> Phase.SHARE_KEYS;
      case MASKED_INPUT_CHUNK, SHARE_COMPLAINT -> Phase.MASKED_INPUT;
      case SURVIVOR_LIST_SIGNATURE -> Phase.CONSISTENCY_CHECK;
      case UNMASK_RESPONSE -> Phase.UNMASKING;
      default -> null;
    };
  }

  static ByteString nonceOf(RoundPlan plan) {
    return plan.getSecagg().getRoundNonce();
  }
}
