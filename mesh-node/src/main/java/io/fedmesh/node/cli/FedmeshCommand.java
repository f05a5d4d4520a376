package io.fedmesh.node.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The top of the {@code fedmesh} command tree. Every participant runs this one binary. The node's own
 * commands are listed here; {@link FedmeshMain#commandLine()} adds those of {@link CommandPlugin}s
 * (mesh-bench's {@code bench}) and then {@code help}.
 */
@Command(
    name = "fedmesh",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "FedMesh: federated learning across firms, without raw data or individual updates leaving anyone's premises.",
    description = {
        "",
        "Every participant runs this binary. Nodes talk protobuf-defined gRPC over mutual TLS; model updates "
            + "are combined by secure aggregation, so only their sum is ever revealed.",
        ""
    },
    subcommands = {io.fedmesh.node.demo.DemoCommand.class, io.fedmesh.node.simulate.SimulateCommand.class, PrivacyCommand.class,
        io.fedmesh.node.identity.KeysCommand.class, io.fedmesh.node.identity.CaCommand.class,
        io.fedmesh.node.server.NodeCommand.class, io.fedmesh.node.server.HealthCommand.class,
        io.fedmesh.node.server.MembersCommand.class,
        io.fedmesh.node.admin.RoundCommand.class, io.fedmesh.node.admin.ModelCommand.class,
        io.fedmesh.node.admin.FederationCommand.class, io.fedmesh.node.ledger.MemberCommand.class,
        io.fedmesh.node.ledger.ProposalCommand.class, io.fedmesh.node.ledger.AuditCommand.class,
        io.fedmesh.node.ledger.LedgerCommand.class,
        io.fedmesh.node.config.ConfigCommand.class, SelftestCommand.class},
    footer = {
        "",
        "Exit codes: 0 success, 1 the command failed, 2 the command line is wrong.",
        "Documentation: README.md and docs/ in the FedMesh source tree."
    })
public final class FedmeshCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    // A bare "fedmesh" is almost always a mistake in a script; say so rather than do nothing quietly.
    throw new ParameterException(spec.commandLine(), "no command given");
  }
}
