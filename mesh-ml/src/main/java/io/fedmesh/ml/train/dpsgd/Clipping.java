package io.fedmesh.ml.train.dpsgd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.fedmesh.ml.train.NonFiniteUpdateException;

/** The pieces both per-example methods share: the per-example loss and the clip factors. */
final class Clipping {
  private Clipping() {}

  /**
   * min(1, C / ||g_i||) for each example, from the squared norms, computed in double.
   *
   * @throws NonFiniteUpdateException if a norm is NaN or infinite: C / inf is 0, and 0 times inf is NaN
   */
  static float[] factors(float[] squaredNorms, double clipNorm) {
    float[] c = new float[squaredNorms.length];
    for (int i = 0; i < c.length; i++) {
      double norm = Math.sqrt(squaredNorms[i]);
      if (!Double.isFinite(norm)) {
        throw new NonFiniteUpdateException("an example's gradient is " + norm + " (training diverged: lower the learning rate)");
      }
      c[i] = norm > clipNorm ? (float) (clipNorm / norm) : 1f;
    }
    return c;
  }

  /** One-hot rows for {@code labels}, built on the Java side (a batch is small). */
  static NDArray oneHot(NDManager manager, int[] labels, int classes) {
    float[] hot = new float[labels.length * classes];
    for (int i = 0; i < labels.length; i++) {
      hot[i * classes + labels[i]] = 1f;
    }
    return manager.create(hot, new Shape(labels.length, classes));
  }

  /**
   * The SUM over examples of softmax cross-entropy: each example's gradient is then the gradient of its own
   * loss (a batch mean would scale each by 1 / batch, which DP-SGD must not do before clipping).
   */
  static NDArray summedLoss(NDArray logits, NDArray oneHot) {
    return logits.logSoftmax(1).mul(oneHot).sum().neg();
  }
}
