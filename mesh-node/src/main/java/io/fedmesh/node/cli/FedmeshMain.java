package io.fedmesh.node.cli;

import java.io.PrintWriter;
import java.util.ServiceLoader;
import picocli.CommandLine;

/**
 * Entry point of the {@code fedmesh} binary. Turns every failure into an exit code and one line on
 * stderr: 2 for a wrong command line, 1 for a command that failed.
 */
public final class FedmeshMain {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;

  private FedmeshMain() {}

  /**
   * gRPC's Netty transport logs each peer connection that breaks (a node stopping, a relay stream
   * cut) with a stack trace at INFO, through java.util.logging. On a mesh that is routine, and counted
   * in metrics: only its warnings (a peer's GOAWAY for too many pings, protocol errors) reach the
   * operator's terminal. Held here, as JUL keeps loggers weakly.
   */
  private static final java.util.logging.Logger NETTY_TRANSPORT = java.util.logging.Logger.getLogger("io.grpc.netty");
  /** Its per-stream errors (a stream reset because the peer went away mid-write) are routine too. */
  private static final java.util.logging.Logger NETTY_STREAMS = java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerHandler");

  public static void main(String[] args) {
    NETTY_TRANSPORT.setLevel(java.util.logging.Level.WARNING);
    NETTY_STREAMS.setLevel(java.util.logging.Level.SEVERE);
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = commandLine()
        .setOut(out)
        .setErr(err)
        .setParameterExceptionHandler((e, arguments) -> {
          e.getCommandLine().getErr().println(
              "fedmesh: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
          return EXIT_USAGE;
        })
        .setExecutionExceptionHandler((e, cl, parseResult) -> {
          cl.getErr().println("fedmesh: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
          return EXIT_FAILED;
        });
    return commandLine.execute(args);
  }

  /**
   * The whole command tree: {@link FedmeshCommand}'s own commands, then the command of each
   * {@link CommandPlugin} on the class path, then {@code bench} saying it is not in this build if no
   * plugin supplied it, then {@code help}. Plugins are added before any setting (streams, handlers) so
   * that those settings reach them too.
   */
  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new FedmeshCommand());
    for (CommandPlugin plugin : ServiceLoader.load(CommandPlugin.class)) {
      commandLine.addSubcommand(plugin.command());
    }
    if (!commandLine.getSubcommands().containsKey("bench")) {
      commandLine.addSubcommand(new BenchNotInBuildCommand());
    }
    return commandLine.addSubcommand(new CommandLine.HelpCommand());
  }
}
