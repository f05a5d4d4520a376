package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.RoundOutcome;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.List;

/**
 * The SecAgg+ client at work. Server messages are handed over in the protocol's order: one that comes
 * early (a relay reordered it) waits here, at most one of each kind, and one whose phase has passed
 * is dropped as late. The client's own deadline is the server's twice over plus relay slack.
 */
final class P2Aggregating implements ParticipantState {
  @Override
  public String name(ParticipantContext ctx) {
    return ctx.client.phase().name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public ParticipantState onSecAgg(ParticipantContext ctx, SecAggMessage m, List<RoundAction> out) {
    int place = order(m);
    if (place < 0) {
      out.add(new RoundAction.Refused(ctx.coordinator, "not_from_coordinator", "a server does not send " + m.getBodyCase()));
      return this;
    }
    if (place < ctx.nextServerMessage) {
      out.add(new RoundAction.Refused(ctx.coordinator, "late", m.getBodyCase() + " after its phase"));
      return this;
    }
    if (place > ctx.nextServerMessage) {
      if (ctx.early.putIfAbsent(place, m) != null) {
        out.add(new RoundAction.Refused(ctx.coordinator, "duplicate", "a second early " + m.getBodyCase()));
      }
      return this;
    }
    ParticipantState next = deliver(ctx, m, out);
    while (next == this && ctx.early.containsKey(ctx.nextServerMessage)) {
      next = deliver(ctx, ctx.early.remove(ctx.nextServerMessage), out);
    }
    return next;
  }

  private ParticipantState deliver(ParticipantContext ctx, SecAggMessage m, List<RoundAction> out) {
    try {
      ctx.send(ctx.client.onMessage(m), out);
    } catch (ProtocolViolation v) {
      out.add(new RoundAction.Refused(ctx.coordinator, "violation_" + v.code().name().toLowerCase(java.util.Locale.ROOT),
          v.getMessage()));
      return this;
    } catch (RuntimeException e) {
      out.add(new RoundAction.Refused(ctx.coordinator, "invalid", String.valueOf(e.getMessage())));
      return this;
    }
    ctx.nextServerMessage = order(m) + 1;
    if (!ctx.params.maliciousServer() && ctx.nextServerMessage == 1) {
      ctx.nextServerMessage = 2; // no graph nonces without a malicious server
    }
    if (ctx.client.abortReason().isPresent()) {
      return ctx.end("secure aggregation aborted: " + ctx.client.abortReason().get(), false, out);
    }
    out.add(ctx.timer(ctx.secAggWait()));
    return ctx.client.completed() ? new P3AwaitingOutcome() : this;
  }

  /** The place of a server message in a round: directory, nonces, shares, survivor list, unmask request. */
  static int order(SecAggMessage m) {
    return switch (m.getBodyCase()) {
      case KEY_DIRECTORY -> 0;
      case GRAPH_NONCES -> 1;
      case SHARES_FOR_YOU -> 2;
      case SURVIVOR_LIST -> 3;
      case UNMASK_REQUEST -> 4;
      default -> -1;
    };
  }

  @Override
  public ParticipantState onOutcome(ParticipantContext ctx, RoundOutcome outcome, List<RoundAction> out) {
    // Unmasking can finish without this client's answer; if its masked input was summed, it evaluates too.
    boolean summed = ctx.client.phase().ordinal() > Phase.MASKED_INPUT.ordinal();
    if (outcome.getCommitted() && summed) {
      return P3AwaitingOutcome.committed(ctx, outcome, out);
    }
    if (outcome.getCommitted()) {
      // Its keys (and graph nonce) are out but its input was not summed: to this participant, an abort.
      return ctx.end("the coordinator reported a commit without this participant's input, after it advertised", false, out);
    }
    return ParticipantState.super.onOutcome(ctx, outcome, out);
  }

  @Override
  public ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out) {
    Phase phase = ctx.client.phase();
    ctx.client.onDeadline();
    return ctx.end("the coordinator went quiet during " + phase.name().toLowerCase(java.util.Locale.ROOT), false, out);
  }
}
