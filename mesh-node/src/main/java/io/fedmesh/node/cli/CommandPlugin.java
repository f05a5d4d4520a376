package io.fedmesh.node.cli;

/**
 * A command that another module adds to {@code fedmesh} without mesh-node depending on it: mesh-bench
 * adds {@code fedmesh bench} this way. {@link FedmeshMain} finds plugins with {@link java.util.ServiceLoader}
 * (a {@code META-INF/services/io.fedmesh.node.cli.CommandPlugin} file naming the implementation, which
 * needs a public no-argument constructor) each time it builds the command line, on the calling thread,
 * and lists their commands in {@code fedmesh --help} after the node's own.
 *
 * <p>A plugin command runs under the same exit-code contract as the built-in ones: throw picocli's
 * {@code ParameterException} for a wrong command line (exit 2, one line on stderr), any other exception
 * for a failure (exit 1), and print through {@code spec.commandLine().getOut()} and {@code getErr()}.
 * A plugin whose command has the name of a built-in command, or of another plugin's, makes every
 * {@code fedmesh} invocation fail at start-up (picocli's {@code DuplicateNameException}).
 */
public interface CommandPlugin {

  /**
   * A new command object for picocli: an instance of a class annotated with {@code @Command} (its
   * {@code name} is the subcommand's name), or a {@code picocli.CommandLine}. Called once per command
   * line built.
   */
  Object command();
}
