package io.fedmesh.ml.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * IDX files (the MNIST and Fashion-MNIST format): an images file of unsigned bytes with magic
 * 0x00000803 and dimensions count x rows x columns, and a labels file with magic 0x00000801. Plain or
 * gzipped (detected from the first two bytes). Pixels become floats in [0, 1]; Fashion-MNIST's are then
 * standardised with its training set's pixel mean and standard deviation.
 */
public final class IdxFiles {
  private static final int IMAGES_MAGIC = 0x00000803;
  private static final int LABELS_MAGIC = 0x00000801;
  /** More than any IDX image set in use, and far below what would not fit an int-indexed array. */
  private static final long MAX_VALUES = 1L << 30;

  /** Mean of Fashion-MNIST's 60,000 training images' pixels, scaled to [0, 1] (the usual 0.2860). */
  public static final float FASHION_MNIST_MEAN = 0.2860f;
  /** Standard deviation of the same pixels (the usual 0.3530). */
  public static final float FASHION_MNIST_STD = 0.3530f;

  private IdxFiles() {}

  /**
   * Fashion-MNIST's training or test pair in {@code directory} (train-* or t10k-* files, gzipped), each
   * pixel standardised as (p - {@value #FASHION_MNIST_MEAN}) / {@value #FASHION_MNIST_STD}, the training
   * set's statistics, for both sets: the standard input normalisation for this dataset.
   */
  public static Dataset fashionMnist(Path directory, boolean train) throws IOException {
    String prefix = train ? "train" : "t10k";
    return read(directory.resolve(prefix + "-images-idx3-ubyte.gz"), directory.resolve(prefix + "-labels-idx1-ubyte.gz"), 10,
        FASHION_MNIST_MEAN, FASHION_MNIST_STD);
  }

  /**
   * Reads an images file and its labels file.
   *
   * @throws DatasetFormatException naming the file, if either is missing, truncated, of the wrong kind,
   *     or the two disagree on the count, or a label is outside [0, classes)
   */
  public static Dataset read(Path images, Path labels, int classes) throws IOException {
    return read(images, labels, classes, 0f, 1f);
  }

  /** As {@link #read(Path, Path, int)}, each pixel in [0, 1] then becoming (p - mean) / std. */
  public static Dataset read(Path images, Path labels, int classes, float mean, float std) throws IOException {
    if (!(std > 0) || !Float.isFinite(std) || !Float.isFinite(mean)) {
      throw new IllegalArgumentException("pixel mean must be finite and std positive and finite, got " + mean + " and " + std);
    }
    int[] dims;
    float[] pixels;
    try (DataInputStream in = open(images)) {
      int magic = in.readInt();
      if (magic != IMAGES_MAGIC) {
        throw new DatasetFormatException(images, String.format("not an IDX image file (magic 0x%08x, expected 0x%08x)", magic, IMAGES_MAGIC));
      }
      dims = new int[] {in.readInt(), in.readInt(), in.readInt()};
      long values = (long) dims[0] * dims[1] * dims[2];
      if (dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || values > MAX_VALUES) {
        throw new DatasetFormatException(images, "implausible dimensions " + dims[0] + " x " + dims[1] + " x " + dims[2]);
      }
      byte[] raw = new byte[(int) values];
      in.readFully(raw);
      pixels = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        pixels[i] = ((raw[i] & 0xFF) / 255f - mean) / std;
      }
    } catch (EOFException e) {
      throw new DatasetFormatException(images, "truncated: fewer pixels than its header announces");
    } catch (NoSuchFileException e) {
      throw new DatasetFormatException(images, "no such file");
    }
    int[] y;
    try (DataInputStream in = open(labels)) {
      int magic = in.readInt();
      if (magic != LABELS_MAGIC) {
        throw new DatasetFormatException(labels, String.format("not an IDX label file (magic 0x%08x, expected 0x%08x)", magic, LABELS_MAGIC));
      }
      int count = in.readInt();
      if (count != dims[0]) {
        throw new DatasetFormatException(labels, count + " labels for " + dims[0] + " images in " + images.getFileName());
      }
      byte[] raw = new byte[count];
      in.readFully(raw);
      y = new int[count];
      for (int i = 0; i < count; i++) {
        y[i] = raw[i] & 0xFF;
        if (y[i] >= classes) {
          throw new DatasetFormatException(labels, "label " + y[i] + " at row " + i + " is outside [0, " + classes + ")");
        }
      }
    } catch (EOFException e) {
      throw new DatasetFormatException(labels, "truncated: fewer labels than its header announces");
    } catch (NoSuchFileException e) {
      throw new DatasetFormatException(labels, "no such file");
    }
    return new Dataset(pixels, y, new int[] {1, dims[1], dims[2]}, classes);
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    boolean gzip = b0 == 0x1f && b1 == 0x8b;
    return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
  }
}
