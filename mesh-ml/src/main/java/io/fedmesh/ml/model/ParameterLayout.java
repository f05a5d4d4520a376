package io.fedmesh.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a model's parameters lie in one flat float vector, the form updates are masked, summed and
 * stored in. The order is the block's own parameter order ({@link Block#getParameters()}: the layers
 * in the order they were added, each layer's weight before its bias), each tensor row-major. The
 * manifest (names and shapes) travels with stored models, so a vector is never read with the wrong
 * layout.
 */
public final class ParameterLayout {

  /** One tensor: its name, shape, and where it starts in the flat vector. */
  public record Entry(String name, long[] shape, int offset, int size) {}

  private final List<Entry> entries;
  private final int size;

  private ParameterLayout(List<Entry> entries, int size) {
    this.entries = List.copyOf(entries);
    this.size = size;
  }

  /** The layout of an initialised block. */
  public static ParameterLayout of(Block block) {
    List<Entry> entries = new ArrayList<>();
    int offset = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray array = p.getValue().getArray();
      long[] shape = array.getShape().getShape();
      int n = Math.toIntExact(array.size());
      entries.add(new Entry(p.getKey(), shape, offset, n));
      offset = Math.addExact(offset, n);
    }
    return new ParameterLayout(entries, offset);
  }

  public List<Entry> entries() {
    return entries;
  }

  /** Values in the flat vector. */
  public int size() {
    return size;
  }

  /** The block's parameters as one vector. */
  public float[] read(Block block) {
    float[] out = new float[size];
    int i = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      float[] values = p.getValue().getArray().toFloatArray();
      System.arraycopy(values, 0, out, entries.get(i).offset(), values.length);
      i++;
    }
    return out;
  }

  /**
   * Writes {@code flat} into the block's parameters, in place.
   *
   * @throws IllegalArgumentException if the vector's length is not this layout's, or a value is not finite
   */
  public void write(Block block, float[] flat) {
    if (flat.length != size) {
      throw new IllegalArgumentException("parameter vector has " + flat.length + " values, the model " + size);
    }
    for (float v : flat) {
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("parameter vector holds NaN or an infinity");
      }
    }
    int i = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      Entry e = entries.get(i++);
      p.getValue().getArray().set(Arrays.copyOfRange(flat, e.offset(), e.offset() + e.size()));
    }
  }

  /** "name shape" lines, one per tensor: the manifest stored beside a model. */
  public String manifest() {
    StringBuilder out = new StringBuilder();
    for (Entry e : entries) {
      out.append(e.name()).append(' ').append(Arrays.toString(e.shape())).append(' ').append(e.offset()).append('\n');
    }
    return out.toString();
  }
}
