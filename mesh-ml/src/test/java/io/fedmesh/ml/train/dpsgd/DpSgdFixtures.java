package io.fedmesh.ml.train.dpsgd;

import io.fedmesh.ml.data.Dataset;
import java.util.SplittableRandom;

/** Small random classification data: standard normal features, uniform labels. */
final class DpSgdFixtures {
  private DpSgdFixtures() {}

  static Dataset gaussian(int rows, int width, int classes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * width];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = random.nextInt(classes);
      for (int j = 0; j < width; j++) {
        // A class-dependent shift, so that training has something to learn.
        x[i * width + j] = (float) (random.nextGaussian() + (j % classes == y[i] ? 1.0 : 0.0));
      }
    }
    return new Dataset(x, y, new int[] {width}, classes);
  }

  /** {@code data} with row {@code row}'s features multiplied by {@code factor}: an example with a huge gradient. */
  static Dataset scaleRow(Dataset data, int row, float factor) {
    int w = data.width();
    int[] all = new int[data.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    float[] x = new float[data.size() * w];
    data.copyRows(all, 0, all.length, x);
    for (int j = 0; j < w; j++) {
      x[row * w + j] *= factor;
    }
    return new Dataset(x, data.labels(), data.sampleShape(), data.classes());
  }

  static double norm(float[] v) {
    double s = 0;
    for (float f : v) {
      s += (double) f * f;
    }
    return Math.sqrt(s);
  }
}
