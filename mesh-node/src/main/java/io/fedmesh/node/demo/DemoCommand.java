package io.fedmesh.node.demo;

import io.fedmesh.ml.strategy.Algorithm;

import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.server.PeerChannels;
import io.fedmesh.proto.v1.AdminGrpc;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.FinishedRound;
import io.fedmesh.proto.v1.MeshRequest;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.RoundStatusRequest;
import io.fedmesh.proto.v1.RoundStatusResponse;
import io.fedmesh.proto.v1.StartRoundsRequest;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh demo}: a whole federation of node processes on this machine, from nothing to a trained model. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {
        "Runs a federation end to end on loopback: makes a throw-away CA and one identity per node, starts N node "
            + "processes (a coordinator and N-1 participants, the last behind a firewall, attached through the coordinator "
            + "as its relay), and runs the federation's rounds from the coordinator: each participant trains on its own "
            + "data, the updates are summed with SecAgg+ in malicious-server mode (k and t from the parameter finder), "
            + "and the new model is evaluated on the participants' held-out data. Shows live progress, the final metrics "
            + "beside a centralised baseline (the same model trained on the pooled data), and each node's metrics "
            + "endpoint; writes DIR/summary.json, DIR/metrics.csv and DIR/accuracy.png. Every process it started is "
            + "stopped at the end, on Ctrl-C, or when a node fails.",
        ""})
public final class DemoCommand implements Callable<Integer> {
  static final String FEDERATION = "demo";

  @Spec
  CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "N", description = "Node processes, 4 to 16: a coordinator and N-1 participants "
      + "(default: ${DEFAULT-VALUE}).")
  int nodes = 5;

  @Option(names = "--rounds", paramLabel = "R", description = "Federated rounds, 1 to 1000 (default: ${DEFAULT-VALUE}).")
  int rounds = 5;

  @Option(names = "--dataset", paramLabel = "DATA", description = "synthetic (card fraud: each participant one "
      + "institution, the default) or fashion-mnist (IDX files under --fashion-mnist-dir).")
  String dataset = "synthetic";

  @Option(names = "--fashion-mnist-dir", paramLabel = "DIR", description = "Where the Fashion-MNIST IDX files are "
      + "(default: ${DEFAULT-VALUE}).")
  Path fashionDir = Path.of("/usr/share/datasets/fashion-mnist");

  @Option(names = "--out", paramLabel = "DIR", description = "Where identities, configs, logs and the report go "
      + "(default: ${DEFAULT-VALUE}); emptied first if it holds an earlier demo.")
  Path out = Path.of("fedmesh-demo");

  @Option(names = "--dp-noise", paramLabel = "SIGMA", description = "Client-level DP: the noise multiplier (each round's "
      + "sum gets noise of SIGMA times the clip norm; participants then weigh 1 each). Default: no DP.")
  double dpNoise;

  @Option(names = "--dp-mode", paramLabel = "MODE", description = "With --dp-noise: central (the coordinator adds the "
      + "noise; it sees the un-noised sum) or distributed (each participant adds its share with the distributed discrete "
      + "Gaussian inside SecAgg+, and charges its own privacy ledger) (default: ${DEFAULT-VALUE}).")
  String dpMode = "distributed";

  @Option(names = "--strategy", paramLabel = "S", description = "The federated algorithm: fedavg, fedprox, scaffold, "
      + "fedavgm, fedadam, fedyogi or fedadagrad (docs/ml.md, \"Choosing an algorithm\") (default: ${DEFAULT-VALUE}).")
  String strategy = "fedavg";

  @Option(names = "--server-lr", paramLabel = "ETA", description = "The server learning rate eta (default: 1 for "
      + "fedavg, fedprox, scaffold and fedavgm; 0.03 for the adaptive fedadam, fedyogi and fedadagrad, the best of 0.01, 0.03 and 0.1 in fedmesh bench algorithms).")
  Double serverLr;

  @Option(names = "--private-layers", paramLabel = "P", split = ",", description = "Personalisation (FedPer): parameter-"
      + "name prefixes of layers each participant keeps to itself, e.g. 04Linear (the output layer of the demo's MLP). "
      + "The report then shows global and personalised held-out accuracy side by side.")
  List<String> privateLayers = new ArrayList<>();

  @Option(names = "--fine-tune-epochs", paramLabel = "E", description = "Personalisation: local epochs each participant "
      + "fine-tunes the global model for before its personalised evaluation (default: ${DEFAULT-VALUE}).")
  int fineTuneEpochs;

  @Option(names = "--prometheus", description = "Also start a real Prometheus (/usr/bin/prometheus, or prometheus on "
      + "PATH) scraping every node each second, print its URL, and stop it with the demo; with deploy/prometheus/rules "
      + "under the working directory (the repository root), it loads the alert rules too. Without Prometheus, prints "
      + "how to install it and runs the demo.")
  boolean prometheus;

  @Override
  public Integer call() throws Exception {
    check();
    PrintWriter stdout = spec.commandLine().getOut();
    long start = System.nanoTime();
    DemoFederation federation = DemoFederation.write(out, nodes, dataset, fashionDir, dpMode, dpNoise, algorithmYaml());
    stdout.println("demo: " + federation.description());
    stdout.println("identities, configs and logs in " + out.toAbsolutePath());
    stdout.flush();
    int status;
    try (NodeProcesses processes = new NodeProcesses()) {
      Path logs = out.resolve("logs");
      DemoNetwork.Node coordinatorNode = federation.network().nodes.get(0);
      NodeProcesses.Started coordinator = processes.start(coordinatorNode.name(), coordinatorNode.config(), logs);
      federation.seedParticipants(coordinator.port());
      List<CompletableFuture<NodeProcesses.Started>> starting = new ArrayList<>();
      for (DemoNetwork.Node n : federation.network().nodes.subList(1, nodes)) {
        starting.add(CompletableFuture.supplyAsync(() -> {
          try {
            return processes.start(n.name(), n.config(), logs);
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }));
      }
      for (CompletableFuture<NodeProcesses.Started> s : starting) {
        s.join();
      }
      for (NodeProcesses.Started s : processes.all()) {
        stdout.println(String.format(Locale.ROOT, "  %-14s %s  metrics http://127.0.0.1:%d/metrics", s.name(),
            s.port() < 0 ? "behind a firewall (via the coordinator)" : "port " + s.port(), s.metricsPort()));
      }
      stdout.flush();
      List<DemoPrometheus.Target> targets = targets(processes);
      // Always: deploy/prometheus/prometheus.yml finds the demo's nodes here (file service discovery).
      Files.createDirectories(out.resolve("prometheus"));
      io.fedmesh.node.storage.AtomicFiles.writeString(out.resolve("prometheus/targets.json"), DemoPrometheus.targetsJson(targets));
      DemoPrometheus watching = prometheus ? startPrometheus(targets, stdout) : null;
      try {
        status = run(coordinatorNode, coordinator, processes, federation, start, stdout);
      } finally {
        if (watching != null) {
          watching.close();
          stdout.println("stopped prometheus");
        }
      }
    }
    stdout.println("stopped the " + nodes + " node processes");
    stdout.flush();
    return status;
  }

  private int run(DemoNetwork.Node coordinatorNode, NodeProcesses.Started coordinator, NodeProcesses processes,
      DemoFederation federation, long start, PrintWriter stdout) throws Exception {
    int status;
    NodeConfig asking = NodeConfig.load(coordinatorNode.config());
    String target = "127.0.0.1:" + coordinator.port();
    ManagedChannel channel = PeerChannels.open(asking, target);
    try {
      waitForMembers(channel, processes, nodes);
      stdout.println("all " + nodes + " nodes are members; starting " + rounds + " rounds");
      stdout.flush();
      List<FinishedRound> finished = runRounds(channel, processes, stdout);
      DemoReport report = new DemoReport(federation, finished, processes.all(), (System.nanoTime() - start) / 1e9);
      report.baseline(rounds);
      report.write(out);
      report.print(stdout);
      status = finished.stream().anyMatch(r -> r.getOutcome().equals("committed")) ? 0 : 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    return status;
  }

  private static List<DemoPrometheus.Target> targets(NodeProcesses processes) {
    List<DemoPrometheus.Target> targets = new ArrayList<>();
    for (NodeProcesses.Started s : processes.all()) {
      targets.add(new DemoPrometheus.Target(s.name(), s.metricsPort(), java.util.Map.of("federation_role",
          s.name().equals("coordinator") ? "coordinator" : "participant", "reachable", Boolean.toString(s.port() >= 0))));
    }
    return targets;
  }

  /** Prometheus beside the nodes, or one line saying how to install it (the demo runs either way). */
  private DemoPrometheus startPrometheus(List<DemoPrometheus.Target> targets, PrintWriter stdout) {
    java.util.Optional<Path> executable = DemoPrometheus.find();
    if (executable.isEmpty()) {
      stdout.println(DemoPrometheus.NOT_INSTALLED);
      stdout.flush();
      return null;
    }
    Path rules = Path.of("deploy", "prometheus", "rules").toAbsolutePath();
    List<String> ruleFiles = Files.isDirectory(rules) ? List.of(rules.resolve("*.yml").toString()) : List.of();
    try {
      DemoPrometheus p = DemoPrometheus.start(executable.get(), out.resolve("prometheus").toAbsolutePath(), targets,
          java.time.Duration.ofSeconds(1), ruleFiles);
      stdout.println("prometheus: " + p.url() + "graph?g0.expr=fedmesh_rounds_total&g0.tab=0 (scraping the " + targets.size()
          + " nodes every second" + (ruleFiles.isEmpty() ? "" : ", alert rules from " + rules) + "; config " + p.config()
          + "; alerts " + p.url() + "alerts)");
      stdout.flush();
      return p;
    } catch (java.io.IOException e) {
      stdout.println("prometheus: did not start, the demo goes on without it: " + e.getMessage());
      stdout.flush();
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void waitForMembers(ManagedChannel channel, NodeProcesses processes, int expected) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    var stub = NodeGrpc.newBlockingStub(channel);
    while (System.nanoTime() < end) {
      failIfNodeDied(processes);
      long alive = stub.withDeadlineAfter(5, TimeUnit.SECONDS).mesh(MeshRequest.newBuilder()
          .setFederation(FederationId.newBuilder().setName(FEDERATION)).build()).getMembersList().stream()
          .filter(m -> m.getState().equals("alive")).count();
      if (alive >= expected) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the nodes did not all join the mesh within 60 s (see " + out.resolve("logs") + ")");
  }

  private List<FinishedRound> runRounds(ManagedChannel channel, NodeProcesses processes, PrintWriter stdout) throws Exception {
    var admin = AdminGrpc.newBlockingStub(channel);
    FederationId fed = FederationId.newBuilder().setName(FEDERATION).build();
    admin.withDeadlineAfter(10, TimeUnit.SECONDS).startRounds(StartRoundsRequest.newBuilder().setFederation(fed)
        .setRounds(rounds).build());
    String shown = "";
    int reported = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120L * rounds);
    while (System.nanoTime() < end) {
      failIfNodeDied(processes);
      RoundStatusResponse s = admin.withDeadlineAfter(10, TimeUnit.SECONDS).getRoundStatus(RoundStatusRequest.newBuilder()
          .setFederation(fed).build());
      for (; reported < s.getHistoryCount(); reported++) {
        FinishedRound r = s.getHistory(reported);
        stdout.println(r.getOutcome().equals("committed")
            ? String.format(Locale.ROOT, "round %d committed in %.1f s: %d contributors, held-out loss %.4f, accuracy %.4f%s",
                r.getRound(), r.getDurationMillis() / 1000.0, r.getContributors(), r.getLoss(), r.getAccuracy(),
                Double.isNaN(r.getAuc()) ? "" : String.format(Locale.ROOT, ", AUC %.4f", r.getAuc()))
            : "round " + r.getRound() + " aborted: " + r.getReason());
      }
      String line = s.getPhase().equals("idle") ? "" : String.format(Locale.ROOT, "round %d/%d: %-24s invited %d, advertised %d, declined %d",
          s.getRound(), rounds, s.getPhase(), s.getInvited(), s.getAdvertised(), s.getDeclined());
      if (!line.isEmpty() && !line.equals(shown)) {
        stdout.println("  " + line);
        shown = line;
      }
      stdout.flush();
      if (s.getHistoryCount() >= rounds && s.getRoundsLeft() == 0 && s.getPhase().equals("idle")) {
        return s.getHistoryList().subList(s.getHistoryCount() - rounds, s.getHistoryCount());
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the rounds did not finish in time (see " + out.resolve("logs") + ")");
  }

  private void failIfNodeDied(NodeProcesses processes) {
    processes.failed().ifPresent(s -> {
      throw new IllegalStateException("node " + s.name() + " exited with status " + s.process().exitValue() + " (see "
          + s.log() + ")");
    });
  }

  /** The rounds section's algorithm lines. */
  private String algorithmYaml() {
    Algorithm a = Algorithm.parse(strategy);
    double eta = serverLr != null ? serverLr : a == Algorithm.FEDADAM || a == Algorithm.FEDYOGI || a == Algorithm.FEDADAGRAD
        ? 0.03 : 1.0;
    String yaml = "      strategy: " + a.text() + "\n      server_lr: " + eta + "\n";
    if (a == Algorithm.FEDPROX) {
      yaml += "      training: {optimizer: sgd, learning_rate: 0.1, epochs: 1, batch_size: 64, proximal_mu: 0.01}\n";
    }
    if (!privateLayers.isEmpty() || fineTuneEpochs > 0) {
      yaml += "      personalisation: {private_layers: [" + String.join(", ", privateLayers) + "], fine_tune_epochs: "
          + fineTuneEpochs + "}\n";
    }
    return yaml;
  }

  private void check() {
    try {
      Algorithm.parse(strategy);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--strategy: " + e.getMessage());
    }
    if (serverLr != null && !(serverLr > 0 && serverLr <= 100)) {
      throw new ParameterException(spec.commandLine(), "--server-lr must be in (0, 100], got " + serverLr);
    }
    if (fineTuneEpochs < 0 || fineTuneEpochs > 100) {
      throw new ParameterException(spec.commandLine(), "--fine-tune-epochs must be in [0, 100], got " + fineTuneEpochs);
    }
    if (privateLayers.stream().anyMatch(p -> !p.matches("[A-Za-z0-9_.]{1,100}"))) {
      throw new ParameterException(spec.commandLine(), "--private-layers: parameter-name prefixes of letters, digits, _ and .");
    }
    if (nodes < 4 || nodes > 16) {
      throw new ParameterException(spec.commandLine(), "--nodes must be in [4, 16] (a coordinator and at least 3 participants), got " + nodes);
    }
    if (rounds < 1 || rounds > 1000) {
      throw new ParameterException(spec.commandLine(), "--rounds must be in [1, 1000], got " + rounds);
    }
    if (!dataset.equals("synthetic") && !dataset.equals("fashion-mnist")) {
      throw new ParameterException(spec.commandLine(), "--dataset must be synthetic or fashion-mnist, got '" + dataset + "'");
    }
    if (!(dpNoise >= 0) || dpNoise > 1000) {
      throw new ParameterException(spec.commandLine(), "--dp-noise must be in [0, 1000], got " + dpNoise);
    }
    if (!dpMode.equals("central") && !dpMode.equals("distributed")) {
      throw new ParameterException(spec.commandLine(), "--dp-mode must be central or distributed, got '" + dpMode + "'");
    }
    if (dataset.equals("fashion-mnist") && !Files.isDirectory(fashionDir)) {
      throw new ParameterException(spec.commandLine(), "--fashion-mnist-dir " + fashionDir + " is not a directory "
          + "(install the Debian package dataset-fashion-mnist)");
    }
  }
}
