package io.fedmesh.coordinator.round;

import io.fedmesh.ml.train.UpdateClipping;
import io.fedmesh.ml.train.dpsgd.DpSgdOptions;
import java.util.List;

/** Joined: waiting for the global model (fetched by hash and verified by the driver). */
final class P0FetchingModel implements ParticipantState {
  @Override
  public String name(ParticipantContext ctx) {
    return "fetching_model";
  }

  @Override
  public ParticipantState onModel(ParticipantContext ctx, float[] model, List<RoundAction> out) {
    if (model.length != ctx.modelLength) {
      return ctx.declineAndEnd("the global model has " + model.length + " parameters, the round sums "
          + ctx.modelLength, out);
    }
    var dp = ctx.plan.getPrivacy();
    out.add(new RoundAction.Train(model, new TrainingRequest(ctx.round, ParticipantRound.options(ctx.plan),
        ctx.plan.getClipNorm(), ctx.plan.getUnitWeights(), ctx.plan.getWeightCap(), dp.hasDpSgd()
            ? new DpSgdOptions(dp.getDpSgd().getClipNorm(), dp.getDpSgd().getNoiseMultiplier(), dp.getDpSgd().getBatchSize())
            : null)));
    return new P1Training();
  }

  @Override
  public ParticipantState onFailure(ParticipantContext ctx, String reason, List<RoundAction> out) {
    return ctx.declineAndEnd(reason, out);
  }

  @Override
  public ParticipantState onDeadline(ParticipantContext ctx, List<RoundAction> out) {
    return ctx.declineAndEnd("the global model did not arrive before the training deadline", out);
  }

  static boolean withinClip(float[] update, double clip) {
    return UpdateClipping.norm(update) <= clip * (1 + 1e-5);
  }
}
