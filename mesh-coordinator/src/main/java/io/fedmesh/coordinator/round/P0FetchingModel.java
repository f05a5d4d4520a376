package io.fedmesh.coordinator.round;

import io.fedmesh.ml.strategy.Algorithm;
import io.fedmesh.ml.train.UpdateClipping;
import java.util.Arrays;
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
    if (model.length != ctx.stateLength) {
      return ctx.declineAndEnd("the global state has " + model.length + " values, the round's plan "
          + ctx.stateLength, out);
    }
    var dp = ctx.plan.getPrivacy();
    int n = ctx.modelLength;
    float[] control = ctx.settings.algorithm() == Algorithm.SCAFFOLD ? Arrays.copyOfRange(model, n, 2 * n) : null;
    out.add(new RoundAction.Train(Arrays.copyOf(model, n), new TrainingRequest(ctx.round, ParticipantRound.options(ctx.plan),
        ctx.plan.getClipNorm(), ctx.plan.getUnitWeights(), ctx.plan.getWeightCap(), dp.hasDpSgd()
            ? new DpSgdOptions(dp.getDpSgd().getClipNorm(), dp.getDpSgd().getNoiseMultiplier(), dp.getDpSgd().getBatchSize())
            : null, control)));
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

  /** Each model-sized part of a summed vector (SCAFFOLD: model and control deltas) within the clip. */
  static boolean withinClip(float[] summed, int modelLength, double clip) {
    for (int from = 0; from < summed.length; from += modelLength) {
      if (!withinClip(Arrays.copyOfRange(summed, from, from + modelLength), clip)) {
        return false;
      }
    }
    return true;
  }
}
