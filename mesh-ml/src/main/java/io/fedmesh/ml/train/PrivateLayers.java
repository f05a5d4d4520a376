package io.fedmesh.ml.train;

import io.fedmesh.ml.model.ParameterLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which coordinates of a model's flat vector belong to private layers: the tensors whose names start
 * with one of the personalisation's prefixes. A prefix that names no tensor is an error (a typo would
 * otherwise share a layer the federation meant to keep private), and so is one that leaves nothing shared.
 */
public final class PrivateLayers {
  private final boolean[] isPrivate;
  private final List<String> names;

  private PrivateLayers(boolean[] isPrivate, List<String> names) {
    this.isPrivate = isPrivate;
    this.names = List.copyOf(names);
  }

  /** @throws IllegalArgumentException naming the prefix that matches nothing, or if nothing would be shared */
  public static PrivateLayers of(ParameterLayout layout, List<String> prefixes) {
    boolean[] mask = new boolean[layout.size()];
    List<String> names = new ArrayList<>();
    for (String prefix : prefixes) {
      boolean matched = false;
      for (ParameterLayout.Entry e : layout.entries()) {
        if (e.name().startsWith(prefix)) {
          matched = true;
          Arrays.fill(mask, e.offset(), e.offset() + e.size(), true);
          if (!names.contains(e.name())) {
            names.add(e.name());
          }
        }
      }
      if (!matched) {
        throw new IllegalArgumentException("private layer '" + prefix + "' names no parameter of the model (its parameters: "
            + layout.entries().stream().map(ParameterLayout.Entry::name).toList() + ")");
      }
    }
    if (names.size() == layout.entries().size()) {
      throw new IllegalArgumentException("private layers " + prefixes + " cover the whole model: nothing would be shared");
    }
    return new PrivateLayers(mask, names);
  }

  /** The private tensors' names, in the order first matched. */
  public List<String> names() {
    return names;
  }

  public boolean isPrivate(int coordinate) {
    return isPrivate[coordinate];
  }

  public int size() {
    return isPrivate.length;
  }

  /** Zeroes the private coordinates of {@code vector} in place (what is summed carries nothing of them). */
  public void zeroPrivate(float[] vector) {
    check(vector);
    for (int i = 0; i < vector.length; i++) {
      if (isPrivate[i]) {
        vector[i] = 0;
      }
    }
  }

  /** {@code global} with its private coordinates taken from {@code own} (a participant's personal model). */
  public float[] merge(float[] global, float[] own) {
    check(global);
    check(own);
    float[] out = global.clone();
    for (int i = 0; i < out.length; i++) {
      if (isPrivate[i]) {
        out[i] = own[i];
      }
    }
    return out;
  }

  private void check(float[] vector) {
    if (vector.length != isPrivate.length) {
      throw new IllegalArgumentException("a vector of " + vector.length + " values, the model has " + isPrivate.length);
    }
  }
}
