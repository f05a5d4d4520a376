package io.fedmesh.ml.train.dpsgd;

/** How DP-SGD gets each example's gradient; both are exact, they differ only in speed and in the models they take. */
public enum PerExampleMethod {
  /** {@link #LINEAR_LAYERS} when the model allows it, else {@link #MICRO_BATCH}. */
  AUTO,
  /** One batched backward pass per step, per-layer algebra for the norms and the clipped sum: logistic regression and MLPs without dropout. */
  LINEAR_LAYERS,
  /** One backward pass per example: any model. */
  MICRO_BATCH
}
