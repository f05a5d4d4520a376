/**
 * The distributed discrete Gaussian mechanism (Kairouz, Liu, Steinke, "The Distributed Discrete
 * Gaussian Mechanism for Federated Learning with Secure Aggregation", ICML 2021, Algorithms 1 and 2):
 * each participant turns its clipped update into integers mod 2^bits that already carry its share of
 * the noise, so the sum secure aggregation reveals is differentially private without anyone, the
 * coordinator included, seeing an un-noised sum.
 *
 * <p>{@link io.fedmesh.crypto.ddg.DdgSpec} holds a round's parameters (checked, from the round plan),
 * {@link io.fedmesh.crypto.ddg.DdgEncoder} is the participant's side, {@link io.fedmesh.crypto.ddg.DdgDecoder}
 * the coordinator's. The rotation ({@link io.fedmesh.crypto.ddg.RandomizedHadamard}) and the scaling are
 * floating point; privacy does not rest on them: the sensitivity the accountant uses is the L2 norm of
 * the rounded integer vector, which {@link io.fedmesh.crypto.ddg.ConditionalRounding} checks exactly, and
 * the noise is the exact sampler of {@link io.fedmesh.crypto.noise}.
 *
 * <p>Accounting and the choice of bits, scale and noise are in mesh-ml ({@code io.fedmesh.ml.privacy}).
 * This code lives in mesh-crypto, beside the quantiser it replaces for these rounds, because it needs the
 * exact sampler and the AES-CTR stream that mesh-ml does not depend on.
 */
package io.fedmesh.crypto.ddg;
