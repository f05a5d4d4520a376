package io.fedmesh.bench.round;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.demo.NodeProcesses;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Rounds over the wire: the coordinator and every participant a {@link RoundBenchNode} process on
 * loopback (mutual TLS, signed envelopes, models as routed chunk transfers). Once all are alive members,
 * one warm-up round (the coordinator builds the initial model with DJL, every JVM compiles its hot
 * paths), then the measured rounds, started through the coordinator's Admin service with its own
 * identity (it is the federation's admin). Metrics are read from every node's {@code /metrics} just
 * before and just after the measured rounds, so the warm-up does not count.
 */
final class WireRoundBench {
  private WireRoundBench() {}

  /**
   * @param durationsMillis each measured round's {@code duration_millis} (the coordinator: invitation to end of evaluation)
   * @param phaseSeconds mean seconds per measured round of each phase, as the coordinator timed it
   * @param sentBytes round messages each participant sent per round (mean over participants)
   * @param receivedRoundBytes round messages each participant received per round (mean)
   * @param receivedGrpcBytes gRPC message bytes each participant's server received per round (mean): round
   *     messages in their envelopes, model transfers, gossip
   * @param sentGrpcBytes what each participant sent on the wire per round (mean): its server's gRPC message bytes
   *     sent (its envelopes to the coordinator go back down the stream the coordinator opened to it) plus its share
   *     of what the coordinator's server received; envelopes and gossip included
   */
  record Result(double[] durationsMillis, Map<String, Double> phaseSeconds, double sentBytes, double receivedRoundBytes,
      double receivedGrpcBytes, double sentGrpcBytes) {}

  static Result run(BenchFederation federation, int rounds, Path logs, PrintWriter progress) throws Exception {
    int participants = federation.names.size() - 1;
    try (NodeProcesses processes = new NodeProcesses()) {
      NodeProcesses.Started coordinator = processes.start("coordinator", node(federation.config(0)), logs, 1024, START_TIMEOUT);
      federation.seedParticipants(coordinator.port());
      // Two at a time: ten JVMs starting at once on a small, shared machine can take minutes each.
      ExecutorService starter = Executors.newFixedThreadPool(2);
      List<NodeProcesses.Started> started = new ArrayList<>();
      try {
        List<CompletableFuture<NodeProcesses.Started>> starting = new ArrayList<>();
        for (int i = 1; i <= participants; i++) {
          int node = i;
          starting.add(CompletableFuture.supplyAsync(() -> {
            try {
              return processes.start(federation.names.get(node), node(federation.config(node)), logs, 512, START_TIMEOUT);
            } catch (Exception e) {
              throw new CompletionException(e);
            }
          }, starter));
        }
        for (CompletableFuture<NodeProcesses.Started> s : starting) {
          started.add(s.join());
        }
      } catch (CompletionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      } finally {
        starter.shutdownNow();
      }
      progress.printf("  %d node processes up (logs in %s)%n", participants + 1, logs);
      progress.flush();
      NodeConfig asking = federation.load(federation.config(0));
      ManagedChannel channel = PeerChannels.open(asking, "127.0.0.1:" + coordinator.port());
      try {
        awaitMembers(channel, processes, participants + 1, logs);
        var admin = AdminGrpc.newBlockingStub(channel);
        List<FinishedRound> warmup = runRounds(admin, processes, 1, 0, logs);
        progress.printf("  warm-up round: %.1f s%n", warmup.get(0).getDurationMillis() / 1000.0);
        progress.flush();
        Scrape coordinatorBefore = Scrape.of(coordinator.metricsPort());
        List<Scrape> before = new ArrayList<>();
        for (NodeProcesses.Started s : started) {
          before.add(Scrape.of(s.metricsPort()));
        }
        List<FinishedRound> measured = runRounds(admin, processes, rounds, 1, logs);
        Scrape coordinatorAfter = Scrape.of(coordinator.metricsPort());
        double sent = 0;
        double received = 0;
        double grpc = 0;
        double grpcSent = 0;
        for (int i = 0; i < started.size(); i++) {
          Scrape after = Scrape.of(started.get(i).metricsPort());
          sent += delta(before.get(i), after, "fedmesh_round_bytes_total", "direction=\"sent\"");
          received += delta(before.get(i), after, "fedmesh_round_bytes_total", "direction=\"received\"");
          grpc += after.sum("fedmesh_grpc_server_received_bytes_total") - before.get(i).sum("fedmesh_grpc_server_received_bytes_total");
          grpcSent += after.sum("fedmesh_grpc_server_sent_bytes_total") - before.get(i).sum("fedmesh_grpc_server_sent_bytes_total");
        }
        double perParticipantRound = (double) participants * rounds;
        Map<String, Double> phases = new TreeMap<>();
        Map<String, Double> sumsAfter = coordinatorAfter.byLabel("fedmesh_round_phase_duration_seconds_sum", "phase");
        Map<String, Double> sumsBefore = coordinatorBefore.byLabel("fedmesh_round_phase_duration_seconds_sum", "phase");
        sumsAfter.forEach((phase, s) -> phases.put(phase, (s - sumsBefore.getOrDefault(phase, 0.0)) / rounds));
        double coordinatorGrpc = coordinatorAfter.sum("fedmesh_grpc_server_received_bytes_total")
            - coordinatorBefore.sum("fedmesh_grpc_server_received_bytes_total");
        double[] durations = measured.stream().mapToDouble(FinishedRound::getDurationMillis).toArray();
        return new Result(durations, phases, sent / perParticipantRound, received / perParticipantRound,
            grpc / perParticipantRound, (grpcSent + coordinatorGrpc) / perParticipantRound);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static double delta(Scrape before, Scrape after, String name, String label) {
    return after.sum(name, l -> l.contains(label)) - before.sum(name, l -> l.contains(label));
  }

  private static void awaitMembers(ManagedChannel channel, NodeProcesses processes, int expected, Path logs) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    var stub = NodeGrpc.newBlockingStub(channel);
    while (System.nanoTime() < end) {
      failIfNodeDied(processes);
      long alive = stub.withDeadlineAfter(10, TimeUnit.SECONDS).mesh(MeshRequest.newBuilder().setFederation(federation()).build())
          .getMembersList().stream().filter(m -> m.getState().equals("alive")).count();
      if (alive >= expected) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the " + expected + " nodes did not all join the mesh within 180 s (see " + logs + ")");
  }

  /** Starts {@code rounds} rounds, waits for them, and returns them; each must commit with every participant. */
  private static List<FinishedRound> runRounds(AdminGrpc.AdminBlockingStub admin, NodeProcesses processes, int rounds, int done,
      Path logs) throws Exception {
    admin.withDeadlineAfter(30, TimeUnit.SECONDS).startRounds(StartRoundsRequest.newBuilder().setFederation(federation())
        .setRounds(rounds).build());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(360L * rounds);
    while (System.nanoTime() < end) {
      failIfNodeDied(processes);
      RoundStatusResponse s = admin.withDeadlineAfter(10, TimeUnit.SECONDS).getRoundStatus(RoundStatusRequest.newBuilder()
          .setFederation(federation()).build());
      if (s.getHistoryCount() >= done + rounds && s.getRoundsLeft() == 0 && s.getPhase().equals("idle")) {
        List<FinishedRound> finished = s.getHistoryList().subList(done, done + rounds);
        int participants = processes.all().size() - 1;
        for (FinishedRound r : finished) {
          if (!r.getOutcome().equals("committed") || r.getContributors() != participants) {
            throw new IllegalStateException("round " + r.getRound() + " over the wire did not commit with all " + participants
                + " participants: " + r.getOutcome() + " " + r.getReason() + ", " + r.getContributors() + " contributors (see "
                + logs + ")");
          }
        }
        return finished;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the rounds over the wire did not finish in time (see " + logs + ")");
  }

  /** A loaded machine may take minutes to start eleven JVMs. */
  private static final java.time.Duration START_TIMEOUT = java.time.Duration.ofMinutes(5);

  /** The command line of a benchmark node: {@link RoundBenchNode} on its config. */
  private static List<String> node(java.nio.file.Path config) {
    return List.of(RoundBenchNode.class.getName(), config.toString());
  }

  private static void failIfNodeDied(NodeProcesses processes) {
    processes.failed().ifPresent(s -> {
      throw new IllegalStateException("node " + s.name() + " exited with status " + s.process().exitValue() + " (see "
          + s.log() + ")");
    });
  }

  private static FederationId federation() {
    return FederationId.newBuilder().setName(BenchFederation.NAME).build();
  }
}
