package io.fedmesh.ml.strategy;

/**
 * Hyper-parameters of the server optimisers, named as in Reddi et al. 2021 ("Adaptive Federated
 * Optimization"); the server learning rate eta is the federation's {@code server_lr}.
 *
 * @param beta1 first-moment decay (FedAdam, FedYogi, FedAdagrad) and FedAvgM's momentum, in [0, 1)
 * @param beta2 second-moment decay (FedAdam, FedYogi), in [0, 1)
 * @param tau adaptivity: the larger, the closer to FedAvgM; in (0, 1]
 */
public record AdaptiveOptions(double beta1, double beta2, double tau) {
  public AdaptiveOptions {
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta_1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta_2 must be in [0, 1), got " + beta2);
    }
    if (!(tau > 0 && tau <= 1)) {
      throw new IllegalArgumentException("tau must be in (0, 1], got " + tau);
    }
  }

  /** beta_1 0.9, beta_2 0.99, tau 1e-3: the paper's defaults for the moments, and a tau from its grid. */
  public static AdaptiveOptions defaults() {
    return new AdaptiveOptions(0.9, 0.99, 1e-3);
  }
}
