package io.fedmesh.ml.train;

/** Scales an update down to L2 norm at most C (update clipping, McMahan et al. 2018). */
public final class UpdateClipping {
  private UpdateClipping() {}

  /** The L2 norm, accumulated in double so a long vector does not lose precision. */
  public static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  /**
   * Scales {@code update} in place so its norm is at most {@code clip}; returns the norm before.
   *
   * @throws IllegalArgumentException if clip is not positive and finite
   */
  public static double clipInPlace(float[] update, double clip) {
    if (!(clip > 0) || Double.isInfinite(clip)) {
      throw new IllegalArgumentException("clip norm must be positive and finite, got " + clip);
    }
    double n = norm(update);
    if (n > clip) {
      float scale = (float) (clip / n);
      for (int i = 0; i < update.length; i++) {
        update[i] *= scale;
      }
    }
    return n;
  }
}
