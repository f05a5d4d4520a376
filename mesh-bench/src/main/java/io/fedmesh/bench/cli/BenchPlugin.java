package io.fedmesh.bench.cli;

import io.fedmesh.node.cli.CommandPlugin;

/**
 * Adds {@code fedmesh bench} to the node's command line when mesh-bench is on the class path (registered
 * in {@code META-INF/services/io.fedmesh.node.cli.CommandPlugin}).
 */
public final class BenchPlugin implements CommandPlugin {

  @Override
  public Object command() {
    return new BenchCommand();
  }
}
