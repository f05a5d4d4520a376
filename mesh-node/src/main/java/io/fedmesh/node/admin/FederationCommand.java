package io.fedmesh.node.admin;

import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.proto.v1.DescribeFederationRequest;
import io.fedmesh.proto.v1.DescribeFederationResponse;
import io.fedmesh.proto.v1.Member;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh federation}: a federation as a node's config states it. */
@Command(name = "federation", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"A federation as the node at --target knows it (the Admin service). The asking node (--config) "
        + "must be an admin of the federation.", ""},
    subcommands = {FederationCommand.Describe.class, io.fedmesh.node.ledger.CreateFederationCommand.class})
public final class FederationCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh federation --help')");
  }

  /** {@code fedmesh federation describe}. */
  @Command(name = "describe", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Prints --federation as the config of the node at --target states it: its members and their roles, "
          + "its rounds settings (if that config has any), and whether that node runs a coordinator.", ""})
  public static final class Describe implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget node;

    @Option(names = "--json", description = "One JSON object: {\"federation\", \"runs_coordinator\", \"members\": "
        + "[{\"node\", \"roles\"}], \"rounds_yaml\"}; rounds_yaml is null when the config has no rounds settings.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      DescribeFederationResponse d = node.call(spec, admin -> admin.withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeFederation(DescribeFederationRequest.newBuilder().setFederation(node.federationId()).build()));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(AdminJson.federation(d));
        return 0;
      }
      out.println("federation " + d.getFederation().getName() + " (" + (d.getRunsCoordinator()
          ? "a coordinator runs on this node" : "no coordinator runs on this node") + ")");
      out.println("members:");
      for (Member m : d.getMembersList()) {
        out.println("  " + AdminJson.hex(m) + "  " + m.getRolesList().stream().map(AdminJson::role).collect(Collectors.joining(", ")));
      }
      if (d.getRoundsYaml().isEmpty()) {
        out.println("rounds: none in this node's config");
      } else {
        out.println("rounds:");
        d.getRoundsYaml().lines().forEach(l -> out.println("  " + l));
      }
      return 0;
    }
  }
}
