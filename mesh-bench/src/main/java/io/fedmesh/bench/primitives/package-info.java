/**
 * JMH micro-benchmarks of the mesh-crypto primitives on the hot path of a secure-aggregation round (mask
 * expansion and quantisation), each beside a baseline measured in the same run, and of the exact
 * discrete Gaussian noise sampler ({@link io.fedmesh.bench.primitives.DiscreteGaussianBench}).
 */
package io.fedmesh.bench.primitives;
