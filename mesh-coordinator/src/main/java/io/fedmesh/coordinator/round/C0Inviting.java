package io.fedmesh.coordinator.round;

import io.fedmesh.proto.v1.RoundMessage;
import java.util.List;

/**
 * Invitations are out; participants fetch the model, train and advertise their keys (SecAgg+ phase 0).
 * Declines are recorded; once every cohort member has advertised or declined, the phase closes early.
 * The training deadline is cut in {@link #SLICES} slices: after each but the last, the invitation goes
 * again to members not yet heard from, since an envelope can be lost on the way (a relay restarting);
 * a participant already in the round ignores the repeat.
 */
final class C0Inviting implements CoordinatorState {
  static final int SLICES = 4;
  private int slice = 1;
  @Override
  public String name(CoordinatorContext ctx) {
    return "inviting";
  }

  @Override
  public CoordinatorState onMessage(CoordinatorContext ctx, int client, RoundMessage message, List<RoundAction> out) {
    CoordinatorState next = this;
    if (message.hasDecline()) {
      if (!ctx.advertised.contains(client)) {
        String reason = message.getDecline().getReason();
        ctx.declined.putIfAbsent(ctx.cohort.get(client), reason.length() > 500 ? reason.substring(0, 500) : reason);
      }
    } else if (message.hasSecagg()) {
      if (ctx.declined.containsKey(ctx.cohort.get(client))) {
        // A decline is final: counting the member as both declined and advertised would close the phase
        // before every other member answered.
        out.add(new RoundAction.Refused(ctx.cohort.get(client), "declined", "a SecAgg message after its decline"));
        ctx.count("declined");
        return this;
      }
      next = ctx.toServer(client, message.getSecagg(), this, out);
    } else {
      return CoordinatorState.super.onMessage(ctx, client, message, out);
    }
    if (next == this && ctx.advertised.size() + ctx.declined.size() == ctx.cohort.size()) {
      return ctx.deadline(this, out); // everyone has answered: no reason to wait for the deadline
    }
    return next;
  }

  @Override
  public CoordinatorState onDeadline(CoordinatorContext ctx, List<RoundAction> out) {
    if (slice < SLICES) {
      slice++;
      RoundMessage invitation = ctx.invitation();
      for (int c = 0; c < ctx.cohort.size(); c++) {
        if (!ctx.advertised.contains(c) && !ctx.declined.containsKey(ctx.cohort.get(c))) {
          out.add(new RoundAction.Send(ctx.cohort.get(c), invitation));
        }
      }
      out.add(ctx.timer(slice(ctx)));
      return this;
    }
    return ctx.deadline(this, out);
  }

  /** One slice of the training deadline (the last takes the remainder). */
  static long slice(CoordinatorContext ctx) {
    return ctx.settings.trainDeadlineMillis() / SLICES;
  }
}
