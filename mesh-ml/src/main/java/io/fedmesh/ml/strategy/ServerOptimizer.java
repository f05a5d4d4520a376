package io.fedmesh.ml.strategy;

/**
 * One server step of FedAvgM or of Reddi et al.'s adaptive optimisers (Algorithm 2), on the global
 * state {@code [x | m | v]}: the pseudo-gradient is the round's mean update delta. In double, rounded
 * once to the stored float, so the same state and delta give the same bits everywhere.
 */
final class ServerOptimizer {
  private ServerOptimizer() {}

  /**
   * Moves the model {@code state[0, n)} and its server state in place.
   *
   * @param delta the mean update, n values
   */
  static void step(Algorithm algorithm, double eta, AdaptiveOptions o, float[] state, double[] delta) {
    int n = delta.length;
    if (state.length != algorithm.stateLength(n)) {
      throw new IllegalArgumentException("the global state has " + state.length + " values, " + algorithm.text()
          + " needs " + algorithm.stateLength(n) + " for a model of " + n);
    }
    double b1 = o.beta1();
    double b2 = o.beta2();
    for (int i = 0; i < n; i++) {
      double d = delta[i];
      if (algorithm == Algorithm.FEDAVGM) {
        // Hsu et al.: heavy-ball momentum on the pseudo-gradient.
        double m = b1 * state[n + i] + d;
        state[n + i] = (float) m;
        state[i] = (float) (state[i] + eta * m);
        continue;
      }
      double m = b1 * state[n + i] + (1 - b1) * d;
      double v = state[2 * n + i];
      double d2 = d * d;
      v = switch (algorithm) {
        case FEDADAGRAD -> v + d2;
        case FEDADAM -> b2 * v + (1 - b2) * d2;
        case FEDYOGI -> v - (1 - b2) * d2 * Math.signum(v - d2);
        default -> throw new IllegalArgumentException(algorithm.text() + " has no server optimiser");
      };
      state[n + i] = (float) m;
      state[2 * n + i] = (float) v;
      state[i] = (float) (state[i] + eta * m / (Math.sqrt(Math.max(v, 0)) + o.tau()));
    }
  }
}
