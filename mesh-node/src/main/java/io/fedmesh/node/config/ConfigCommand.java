package io.fedmesh.node.config;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.SpendCheck;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.cli.FedmeshVersion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh config check FILE}: every problem in a node config, each with where it is. */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = "Node configuration files.", subcommands = ConfigCommand.Check.class)
public final class ConfigCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh config check FILE')");
  }

  /** {@code fedmesh config check}. */
  @Command(name = "check", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
      description = {"Checks a node config file and explains every problem in it (exit 1), or prints what it configures "
          + "(exit 0). Fields and defaults: docs/operations.md.", ""})
  public static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The YAML file.")
    Path file;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try {
        NodeConfig c = NodeConfig.load(file);
        out.println(file + ": ok");
        out.println("  data_dir        " + c.dataDir());
        out.println("  listen          " + c.listen().getHostString() + ":" + c.listen().getPort());
        out.println("  metrics_listen  " + c.metricsListen().getHostString() + ":" + c.metricsListen().getPort());
        out.println("  tls             key " + c.tls().key() + ", certificate " + c.tls().certificate() + ", ca "
            + c.tls().ca() + ", crl " + c.tls().crl());
        c.federations().forEach((name, members) -> out.println("  federation      " + name + ": " + members.size() + " member(s)"
            + c.rounds(name).map(r -> "").orElse(", no rounds")));
        c.rounds().forEach((name, r) -> out.println("  rounds          " + name + ": " + describe(r)));
        c.participant().forEach((name, p) -> out.println("  participant     " + name + ": " + describe(p)));
        out.println("  advertise_host  " + (c.advertiseHost() == null ? "(the listen host)" : c.advertiseHost()));
        c.seeds().forEach(seed -> out.println("  seed            " + seed.id().hex() + " at " + seed.address()));
        out.println("  gossip          probe every " + c.gossip().probeIntervalMillis() + " ms, timeout "
            + c.gossip().probeTimeoutMillis() + " ms");
        NodeConfig.Limits l = c.limits();
        out.println("  limits          per peer: gossip " + l.gossipPerSecond() + "/s (burst " + l.gossipBurst() + "), envelopes "
            + l.envelopesPerSecond() + "/s (burst " + l.envelopeBurst() + "), news checks " + l.newsChecksPerSecond() + "/s (burst "
            + l.newsCheckBurst() + "), calls " + l.callsPerPeer() + " (" + l.callsPerConnection() + " a connection)");
        return 0;
      } catch (NodeConfig.InvalidConfigException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("fedmesh: " + file + ": " + e.problems().size() + " problem(s)");
        e.problems().forEach(p -> err.println("  " + p));
        return 1;
      }
    }

    private static String describe(FederationSettings r) {
      return r.model().describe() + ", input " + Arrays.toString(r.inputShape()) + ", " + r.classes() + " classes, coordinator "
          + (r.elected() ? "elected (its Raft group's leader)" : r.coordinator().shortForm()) + ", " + r.strategy() + " (" + r.training().optimizer().name().toLowerCase(Locale.ROOT)
          + " lr " + r.training().learningRate() + ", " + r.training().epochs() + " epoch(s), batch " + r.training().batchSize()
          + "), " + r.minParticipants() + "-" + r.maxParticipants() + " participants"
          + (r.sampling() < 1 ? " (sampling " + r.sampling() + ")" : "") + ", clip " + r.clipNorm() + ", "
          + (r.unitWeights() ? "unit weights" : "weights capped at " + r.weightCap()) + ", "
          + (r.noiseMultiplier() > 0 ? "central DP noise " + r.noiseMultiplier() + " (delta " + r.delta() + ")" : "no DP");
    }

    private static String describe(ParticipantSettings p) {
      ParticipantPolicy policy = p.policy();
      return p.data().describe() + ", " + p.holdout() + " held out (seed " + p.holdoutSeed() + "); policy: "
          + (policy.requireMaliciousServer() ? "malicious-server mode" : "semi-honest mode allowed") + ", cohort >= "
          + policy.minCohort() + ", threshold >= " + policy.minThreshold() + ", coordinators "
          + (policy.coordinators().isEmpty() ? "as in rounds" : policy.coordinators().stream().map(NodeId::shortForm).sorted().toList())
          + ", stops after " + policy.maxConsecutiveAborts() + " aborts in a row; privacy cap "
          + policy.cap().map(c -> "epsilon " + SpendCheck.plain(c.epsilon()) + " at delta "
          + SpendCheck.plain(c.delta())).orElse("none");
    }
  }
}
