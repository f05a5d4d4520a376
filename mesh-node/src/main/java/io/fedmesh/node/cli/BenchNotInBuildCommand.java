package io.fedmesh.node.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code fedmesh bench} in a build without mesh-bench (a deployment image with only the node, or the
 * launcher running anything but {@code bench}): listed in the help as the real command is, and whatever
 * follows it, {@code --help} included, it says in one line on stderr that the benchmarks are not in this
 * build and exits 2. When mesh-bench is on the class path its {@link CommandPlugin} supplies the real
 * {@code bench} and this one is not added.
 */
@Command(name = "bench", description = "Benchmarks that run whole protocols in this process and print what they cost.")
final class BenchNotInBuildCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** Every argument after {@code bench}: all get the same answer. */
  @Unmatched
  List<String> arguments;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("fedmesh: benchmarks are not in this build (module mesh-bench); "
        + "from a source tree, './fedmesh bench' builds and runs them");
    return FedmeshMain.EXIT_USAGE;
  }
}
