package io.fedmesh.ml.train.dpsgd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-example gradients the plain way, one backward pass per example (micro-batches of one): correct for
 * any model, including convolutions and dropout, and the reference the fast method is tested against.
 * It costs a forward and backward pass per example instead of per batch, so it is an order of magnitude
 * slower than {@link LinearLayerGradients} (docs/ml.md gives the measured ratio).
 */
final class MicroBatchGradients implements PerExampleGradients {
  private final Block block;
  private final List<Parameter> parameters = new ArrayList<>();
  private final int classes;

  MicroBatchGradients(Block block, int classes) {
    this.block = block;
    for (Pair<String, Parameter> p : block.getParameters()) {
      parameters.add(p.getValue());
    }
    this.classes = classes;
  }

  @Override
  public ClippedSum clippedSum(NDManager step, NDArray x, int[] labels, double clipNorm) {
    NDList sums = new NDList();
    for (Parameter p : parameters) {
      sums.add(step.zeros(p.getArray().getShape()));
    }
    double loss = 0;
    for (int i = 0; i < labels.length; i++) {
      try (NDManager example = step.newSubManager()) {
        Gradient g = gradient(example, x, labels, i);
        loss += g.loss;
        float c = Clipping.factors(new float[] {g.squaredNorm}, clipNorm)[0];
        for (int k = 0; k < parameters.size(); k++) {
          sums.get(k).addi(g.parts.get(k).mul(c));
        }
      }
    }
    return new ClippedSum(sums, loss);
  }

  @Override
  public float[][] clippedPerExample(NDManager step, NDArray x, int[] labels, double clipNorm) {
    float[][] out = new float[labels.length][];
    for (int i = 0; i < labels.length; i++) {
      try (NDManager example = step.newSubManager()) {
        Gradient g = gradient(example, x, labels, i);
        float c = Clipping.factors(new float[] {g.squaredNorm}, clipNorm)[0];
        NDList flat = new NDList();
        for (NDArray part : g.parts) {
          flat.add(part.flatten().mul(c));
        }
        out[i] = NDArrays.concat(flat).toFloatArray();
      }
    }
    return out;
  }

  private record Gradient(List<NDArray> parts, float squaredNorm, double loss) {}

  /** Example {@code i}'s gradient, copied out of the parameters' gradient buffers, which are then zeroed. */
  private Gradient gradient(NDManager example, NDArray x, int[] labels, int i) {
    NDArray xi = x.get(new NDIndex(i + ":" + (i + 1)));
    double loss;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray logits = block.forward(new ParameterStore(example, false), new NDList(xi), true).singletonOrThrow();
      NDArray total = Clipping.summedLoss(logits, Clipping.oneHot(example, new int[] {labels[i]}, classes));
      collector.backward(total);
      loss = total.getFloat();
    }
    List<NDArray> parts = new ArrayList<>();
    NDArray squared = null;
    for (Parameter p : parameters) {
      try (NDArray buffer = p.getArray().getGradient()) {
        NDArray copy = buffer.duplicate();
        copy.attach(example);
        // PyTorch adds each backward pass into the same buffer and DJL's collector does not clear it.
        buffer.subi(buffer);
        parts.add(copy);
        NDArray s = copy.square().sum();
        squared = squared == null ? s : squared.add(s);
      }
    }
    return new Gradient(parts, squared.getFloat(), loss);
  }
}
