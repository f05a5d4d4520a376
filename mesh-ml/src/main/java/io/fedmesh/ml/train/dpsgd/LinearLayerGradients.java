package io.fedmesh.ml.train.dpsgd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.fedmesh.ml.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact per-example clipped gradients for a stack of fully connected layers (logistic regression, an MLP
 * without dropout) at the cost of about one ordinary batched step: the "ghost norm" construction of
 * Goodfellow 2015 (efficient per-example gradient computations) as used by Opacus.
 *
 * <p>For a layer z = a W^T + b, example i's gradient is dL_i/dW = g_i a_i^T and dL_i/db = g_i, where
 * a_i is the layer's input and g_i = dL_i/dz_i. So ||dL_i/dW||^2 = ||g_i||^2 ||a_i||^2, the squared norm of
 * the whole example gradient is sum over layers of ||g_i||^2 (||a_i||^2 + 1), and the clipped sum is
 * sum_i c_i g_i a_i^T = (diag(c) G)^T A, one matrix product per layer. Nothing is approximated: the same
 * numbers as clipping each example's gradient separately, up to float rounding (the test checks it
 * against {@link MicroBatchGradients}).
 *
 * <p>How G is obtained from DJL: the PyTorch engine gives gradients of leaf arrays only, so the forward pass
 * is written out with NDArray ops, and each layer's bias enters as a "probe" leaf P holding the bias once
 * per example (rows x out), z = a W^T + P; then dL/dP = dL/dz = G. The weights enter detached ({@code stopGradient}), so autograd computes the
 * probes' gradients and nothing else; the per-example loss is summed, not averaged, so row i of G belongs
 * to example i alone.
 */
final class LinearLayerGradients implements PerExampleGradients {
  private final List<Parameter> weights = new ArrayList<>();
  private final List<Parameter> biases = new ArrayList<>();
  private final ModelSpec.Act activation;
  private final int classes;

  private LinearLayerGradients(Block block, ModelSpec spec, int classes) {
    List<Parameter> all = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      all.add(p.getValue());
    }
    for (int i = 0; i < all.size(); i += 2) {
      weights.add(all.get(i));
      biases.add(all.get(i + 1));
    }
    this.activation = spec.activation();
    this.classes = classes;
  }

  /** Whether {@code spec} is a stack of linear layers this class computes exactly (no dropout, no convolutions). */
  static boolean supports(ModelSpec spec) {
    return (spec.type() == ModelSpec.Type.LOGISTIC || spec.type() == ModelSpec.Type.MLP) && spec.dropout() == 0;
  }

  /** @throws IllegalArgumentException if {@code spec} is not {@linkplain #supports supported} */
  static LinearLayerGradients of(Block block, ModelSpec spec, int classes) {
    if (!supports(spec)) {
      throw new IllegalArgumentException("per-layer per-example gradients need logistic regression or an MLP without"
          + " dropout, not " + spec.describe() + ": use the micro-batch method");
    }
    return new LinearLayerGradients(block, spec, classes);
  }

  @Override
  public ClippedSum clippedSum(NDManager step, NDArray x, int[] labels, double clipNorm) {
    Backprop b = backprop(step, x, labels);
    NDArray c = step.create(Clipping.factors(b.squaredNorms(), clipNorm), new Shape(labels.length, 1));
    NDList sums = new NDList();
    for (int l = 0; l < b.inputs.size(); l++) {
      NDArray scaled = b.outputGradients.get(l).mul(c);
      sums.add(scaled.transpose().matMul(b.inputs.get(l))); // (diag(c) G)^T A: out x in, DJL's weight shape
      sums.add(scaled.sum(new int[] {0}));
    }
    return new ClippedSum(sums, b.loss);
  }

  @Override
  public float[][] clippedPerExample(NDManager step, NDArray x, int[] labels, double clipNorm) {
    Backprop b = backprop(step, x, labels);
    float[] c = Clipping.factors(b.squaredNorms(), clipNorm);
    int rows = labels.length;
    int size = 0;
    for (int l = 0; l < weights.size(); l++) {
      size += weights.get(l).getArray().size() + biases.get(l).getArray().size();
    }
    float[][] out = new float[rows][size];
    int offset = 0;
    for (int l = 0; l < b.inputs.size(); l++) {
      float[] a = b.inputs.get(l).toFloatArray();
      float[] g = b.outputGradients.get(l).toFloatArray();
      int in = a.length / rows;
      int units = g.length / rows;
      for (int i = 0; i < rows; i++) {
        for (int o = 0; o < units; o++) {
          float go = c[i] * g[i * units + o];
          for (int j = 0; j < in; j++) {
            out[i][offset + o * in + j] = go * a[i * in + j];
          }
          out[i][offset + units * in + o] = go;
        }
      }
      offset += units * in + units;
    }
    return out;
  }

  /** Each layer's input A (rows x in) and output gradient G (rows x out), detached, and the summed loss. */
  private record Backprop(List<NDArray> inputs, List<NDArray> outputGradients, double loss) {
    /** ||grad_i||^2 = sum over layers of ||g_i||^2 (||a_i||^2 + 1): the weight's g_i a_i^T and the bias's g_i. */
    float[] squaredNorms() {
      NDArray total = null;
      for (int l = 0; l < inputs.size(); l++) {
        NDArray g2 = outputGradients.get(l).square().sum(new int[] {1});
        NDArray a2 = inputs.get(l).square().sum(new int[] {1}).add(1f);
        total = total == null ? g2.mul(a2) : total.add(g2.mul(a2));
      }
      return total.toFloatArray();
    }
  }

  private Backprop backprop(NDManager step, NDArray x, int[] labels) {
    int rows = labels.length;
    List<NDArray> inputs = new ArrayList<>();
    List<NDArray> probes = new ArrayList<>();
    NDArray hot = Clipping.oneHot(step, labels, classes);
    double loss;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray a = x.reshape(rows, -1);
      for (int l = 0; l < weights.size(); l++) {
        NDArray w = weights.get(l).getArray().stopGradient();
        w.attach(step); // a detached view joins the weight's own manager otherwise, and would outlive the step
        // The probe: the bias broadcast to one row per example, a leaf of its own, so z = a W^T + probe is the
        // layer's output and dL/dprobe its output gradient G. One fused op (addmm) per layer.
        NDArray bias = biases.get(l).getArray().stopGradient();
        bias.attach(step);
        NDArray probe = bias.broadcast(new Shape(rows, w.getShape().get(0)));
        probe.setRequiresGradient(true);
        inputs.add(a);
        probes.add(probe);
        NDArray z = a.getNDArrayInternal().linear(a, w, probe).singletonOrThrow();
        a = l == weights.size() - 1 ? z : activate(z);
      }
      NDArray total = Clipping.summedLoss(a, hot);
      collector.backward(total);
      loss = total.getFloat();
    }
    List<NDArray> detachedInputs = new ArrayList<>();
    List<NDArray> gradients = new ArrayList<>();
    for (int l = 0; l < probes.size(); l++) {
      NDArray input = inputs.get(l).stopGradient();
      input.attach(step);
      detachedInputs.add(input);
      NDArray g = probes.get(l).getGradient();
      g.attach(step);
      gradients.add(g);
    }
    return new Backprop(detachedInputs, gradients, loss);
  }

  private NDArray activate(NDArray z) {
    return switch (activation) {
      case RELU -> Activation.relu(z);
      case TANH -> Activation.tanh(z);
      case SIGMOID -> Activation.sigmoid(z);
      case GELU -> Activation.gelu(z);
    };
  }
}
