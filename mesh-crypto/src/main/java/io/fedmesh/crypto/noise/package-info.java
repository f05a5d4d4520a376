/**
 * Exact noise for differential privacy: Bernoulli(exp(-gamma)) for rational gamma, the discrete Laplace
 * and the discrete Gaussian, sampled as Canonne, Kamath and Steinke give them ("The Discrete Gaussian
 * for Differential Privacy", NeurIPS 2020, Algorithms 1 to 3).
 *
 * <p>Every sampler here draws its randomness only from {@link io.fedmesh.crypto.noise.UniformIntegers}
 * (uniform integers in [0, n) by rejection over a {@link java.security.SecureRandom}) and computes only
 * with {@code long} and {@link java.math.BigInteger}: no floating-point value is on any sampling path, so
 * the output distribution is exactly the stated one, with none of the gaps and biases that let an
 * attacker tell inputs apart through a floating-point sampler's output (Mironov 2012, "On Significance of
 * the Least Significant Bits for Differential Privacy"). The only approximation left is the DRBG itself.
 */
package io.fedmesh.crypto.noise;
