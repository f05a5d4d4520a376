package io.fedmesh.ml.strategy;

import java.util.Arrays;
import java.util.Locale;

/**
 * The federated algorithms a federation can run, and what each adds to the two vectors the engine
 * moves: the global state (the model, then any server state the algorithm keeps between rounds) and
 * the summed update (the model delta, then anything else summed securely beside it).
 */
public enum Algorithm {
  /** Federated averaging (McMahan et al. 2017). */
  FEDAVG(0, 1),
  /** FedAvg with a proximal term in local training (Li et al. 2020). */
  FEDPROX(0, 1),
  /** Control variates against client drift (Karimireddy et al. 2020): server state c, summed control deltas. */
  SCAFFOLD(1, 2),
  /** Server momentum (Hsu et al. 2019): server state the momentum. */
  FEDAVGM(1, 1),
  /** Adaptive server optimisers (Reddi et al. 2021): server state the first and second moments. */
  FEDADAM(2, 1),
  FEDYOGI(2, 1),
  FEDADAGRAD(2, 1);

  private final int stateVectors;
  private final int summedVectors;

  Algorithm(int stateVectors, int summedVectors) {
    this.stateVectors = stateVectors;
    this.summedVectors = summedVectors;
  }

  /** "fedavg", "scaffold", ... */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the known algorithms */
  public static Algorithm parse(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("strategy '" + text + "' is not one of "
          + Arrays.stream(values()).map(Algorithm::text).toList());
    }
  }

  /** Model-sized vectors of server state kept after the model in the global state. */
  public int stateVectors() {
    return stateVectors;
  }

  /** Model-sized vectors each participant contributes to the secure sum. */
  public int summedVectors() {
    return summedVectors;
  }

  /** Whether the server applies an adaptive or momentum optimiser to the mean update. */
  public boolean serverOptimizer() {
    return this == FEDAVGM || this == FEDADAM || this == FEDYOGI || this == FEDADAGRAD;
  }

  /** The global state's length for a model of {@code modelLength} parameters. */
  public int stateLength(int modelLength) {
    return Math.multiplyExact(modelLength, 1 + stateVectors);
  }

  /** The summed vector's length for a model of {@code modelLength} parameters. */
  public int summedLength(int modelLength) {
    return Math.multiplyExact(modelLength, summedVectors);
  }

  /**
   * The model's length in a global state of {@code stateLength} values.
   *
   * @throws IllegalArgumentException if the state cannot be one of this algorithm's
   */
  public int modelLength(int stateLength) {
    if (stateLength < 1 + stateVectors || stateLength % (1 + stateVectors) != 0) {
      throw new IllegalArgumentException(text() + " keeps " + (1 + stateVectors) + " model-sized vectors, and "
          + stateLength + " values are not a whole number of them");
    }
    return stateLength / (1 + stateVectors);
  }

  /**
   * The first global state: the initial model, then the server state at its start (zero, except the
   * adaptive optimisers' second moment, which starts at tau^2 as in Reddi et al.).
   */
  public float[] initialState(float[] model, AdaptiveOptions adaptive) {
    float[] state = Arrays.copyOf(model, stateLength(model.length));
    if (stateVectors == 2) {
      Arrays.fill(state, 2 * model.length, 3 * model.length, (float) (adaptive.tau() * adaptive.tau()));
    }
    return state;
  }

  /** Manifest lines of the server state that follows the model's own manifest. */
  public String stateManifest(int modelLength) {
    String[] names = switch (this) {
      case SCAFFOLD -> new String[] {"server.control"};
      case FEDAVGM -> new String[] {"server.momentum"};
      case FEDADAM, FEDYOGI, FEDADAGRAD -> new String[] {"server.m", "server.v"};
      default -> new String[0];
    };
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      out.append(names[i]).append(" [").append(modelLength).append("] ").append((long) (i + 1) * modelLength).append('\n');
    }
    return out.toString();
  }
}
