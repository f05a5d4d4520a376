/**
 * {@code fedmesh bench} (picocli): the macro benchmarks as commands of the node's binary, added to it
 * through {@link io.fedmesh.node.cli.CommandPlugin} by {@link io.fedmesh.bench.cli.BenchPlugin}.
 */
package io.fedmesh.bench.cli;
