/**
 * Record-level differential privacy inside a participant: DP-SGD (Abadi et al. 2016) with Poisson
 * sampling, exact per-example clipping (a per-layer method for linear stacks, micro-batches of one for the
 * rest), Gaussian noise from a CSPRNG, and the RDP accounting of {@link io.fedmesh.ml.privacy.RdpAccountant}.
 * Entry point: {@link io.fedmesh.ml.train.dpsgd.DpSgdTrainer}.
 */
package io.fedmesh.ml.train.dpsgd;
