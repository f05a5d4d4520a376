package io.fedmesh.ml.data;

import java.util.Arrays;

/**
 * Labelled examples held in memory: features row-major as one float array (row i is
 * {@code features[i * width .. (i + 1) * width)}), one class label per row. {@code sampleShape} is how a
 * model sees one row ({784} for a vector, {1, 28, 28} for an image). Immutable once built; the arrays
 * are owned by the dataset.
 */
public final class Dataset {
  private final float[] features;
  private final int[] labels;
  private final int[] sampleShape;
  private final int width;
  private final int classes;

  /**
   * @throws IllegalArgumentException if the sizes disagree, a label is outside [0, classes), or a
   *     feature is NaN or infinite
   */
  public Dataset(float[] features, int[] labels, int[] sampleShape, int classes) {
    int w = 1;
    for (int d : sampleShape) {
      if (d < 1) {
        throw new IllegalArgumentException("sample shape " + Arrays.toString(sampleShape) + " has an empty dimension");
      }
      w = Math.multiplyExact(w, d);
    }
    if (classes < 2) {
      throw new IllegalArgumentException("a classification dataset needs at least 2 classes, got " + classes);
    }
    if ((long) labels.length * w != features.length) {
      throw new IllegalArgumentException(labels.length + " labels but " + features.length + " feature values for rows of " + w);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException("row " + i + " has label " + labels[i] + ", outside [0, " + classes + ")");
      }
    }
    for (int i = 0; i < features.length; i++) {
      if (!Float.isFinite(features[i])) {
        throw new IllegalArgumentException("row " + i / w + " has a feature that is NaN or infinite");
      }
    }
    this.features = features;
    this.labels = labels;
    this.sampleShape = sampleShape.clone();
    this.width = w;
    this.classes = classes;
  }

  public int size() {
    return labels.length;
  }

  /** Values per row. */
  public int width() {
    return width;
  }

  public int classes() {
    return classes;
  }

  public int[] sampleShape() {
    return sampleShape.clone();
  }

  public int label(int row) {
    return labels[row];
  }

  /** The labels (a copy). */
  public int[] labels() {
    return labels.clone();
  }

  /** Copies rows {@code rows} (in that order) into {@code out} from {@code offset}, row-major. */
  public void copyRows(int[] rows, int from, int to, float[] out) {
    for (int i = from; i < to; i++) {
      System.arraycopy(features, rows[i] * width, out, (i - from) * width, width);
    }
  }

  /** The rows {@code rows}, in that order, as a new dataset. */
  public Dataset subset(int[] rows) {
    float[] f = new float[rows.length * width];
    int[] l = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(features, rows[i] * width, f, i * width, width);
      l[i] = labels[rows[i]];
    }
    return new Dataset(f, l, sampleShape, classes);
  }

  /** Several datasets of the same shape and classes, one after another. */
  public static Dataset concat(java.util.List<Dataset> parts) {
    Dataset first = parts.get(0);
    int rows = parts.stream().mapToInt(Dataset::size).sum();
    float[] f = new float[rows * first.width];
    int[] l = new int[rows];
    int at = 0;
    for (Dataset d : parts) {
      if (!Arrays.equals(d.sampleShape, first.sampleShape) || d.classes != first.classes) {
        throw new IllegalArgumentException("datasets of different shapes or classes cannot be joined");
      }
      System.arraycopy(d.features, 0, f, at * first.width, d.features.length);
      System.arraycopy(d.labels, 0, l, at, d.labels.length);
      at += d.size();
    }
    return new Dataset(f, l, first.sampleShape, first.classes);
  }

  /** Rows per class. */
  public int[] classCounts() {
    int[] counts = new int[classes];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }
}
