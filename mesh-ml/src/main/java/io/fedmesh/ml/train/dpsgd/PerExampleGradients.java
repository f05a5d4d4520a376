package io.fedmesh.ml.train.dpsgd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * DP-SGD's per-example step: the gradient of each example's loss, each clipped to L2 norm C over all
 * parameters together, summed. Called once per step, on the training thread, inside no other gradient
 * collector (it opens its own). The loss is softmax cross-entropy of one example, not a batch mean.
 */
interface PerExampleGradients {

  /**
   * The clipped sum for the examples {@code x} (rows x sample shape) with {@code labels}: one array per
   * model parameter, in the block's parameter order and shape, attached to {@code step}.
   *
   * @throws io.fedmesh.ml.train.NonFiniteUpdateException if an example's gradient is NaN or infinite
   */
  ClippedSum clippedSum(NDManager step, NDArray x, int[] labels, double clipNorm);

  /**
   * Each example's clipped gradient as one flat vector in {@link io.fedmesh.ml.model.ParameterLayout}
   * order: what {@link #clippedSum} adds up, materialised. For tests and audits; slow.
   */
  float[][] clippedPerExample(NDManager step, NDArray x, int[] labels, double clipNorm);

  /** The clipped sum and the (unclipped) summed loss of the batch, the latter for local reporting only. */
  record ClippedSum(NDList sums, double lossSum) {}
}
