package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.ddg.DdgEncoder;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import java.util.List;

/** Training from the global model; when the update is ready, the SecAgg+ client starts with it. */
final class P1Training implements ParticipantState {
  @Override
  public String name(ParticipantContext ctx) {
    return "training";
  }

  @Override
  public ParticipantState onTrained(ParticipantContext ctx, float[] update, long examples, List<RoundAction> out) {
    if (update.length != ctx.summedLength) {
      return ctx.declineAndEnd("the update has " + update.length + " values, the round sums " + ctx.summedLength, out);
    }
    for (int i = 0; i < update.length; i++) {
      if (!Float.isFinite(update[i])) {
        return ctx.declineAndEnd("the update holds " + update[i] + " at " + i + " (training diverged)", out);
      }
    }
    if (!P0FetchingModel.withinClip(update, ctx.modelLength, ctx.plan.getClipNorm())) {
      return ctx.declineAndEnd("the update is not clipped to the round's norm " + ctx.plan.getClipNorm(), out);
    }
    if (examples < 1) {
      return ctx.declineAndEnd("no local training data", out);
    }
    if (ctx.ddg != null) {
      // Distributed DP: this participant's share of the noise goes in before anything leaves it.
      int[] encoded;
      try {
        encoded = DdgEncoder.encode(update, ctx.ddg, ctx.random);
      } catch (RuntimeException e) {
        return ctx.declineAndEnd("cannot encode the update with the round's distributed noise: " + e.getMessage(), out);
      }
      ctx.client = new SecAggClient(ctx.params, ctx.me, encoded, ctx.random, ctx.identity);
    } else {
      long weight = ctx.plan.getUnitWeights() ? ctx.params.quantizer().maxWeight()
          : ctx.params.weightFor(Math.min(examples, ctx.plan.getWeightCap()), ctx.plan.getWeightCap());
      ctx.client = new SecAggClient(ctx.params, ctx.me, update, weight, ctx.random, ctx.identity);
    }
    ctx.send(ctx.client.start(), out);
    out.add(ctx.timer(ctx.plan.getTrainDeadlineMs() + ctx.secAggWait()));
    return new P2Aggregating();
  }

  @Override
  public ParticipantState onFailure(ParticipantContext ctx, String reason, List<RoundAction> out) {
    return ctx.declineAndEnd(reason, out);
  }

  @Override
  public ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out) {
    return ctx.declineAndEnd("training did not finish before the round's deadline", out);
  }
}
