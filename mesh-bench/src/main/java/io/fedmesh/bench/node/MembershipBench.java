package io.fedmesh.bench.node;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.server.NodeServer;
import io.fedmesh.proto.v1.MemberState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * SWIM over mutual TLS with n real node servers in one JVM on loopback: how long until every node
 * sees every other alive (all joining through one seed), and how long after one node stops until
 * every other node has declared it dead.
 */
public final class MembershipBench {
  private MembershipBench() {}

  /** Milliseconds to converge and to detect one failure everywhere (-1: not within the limit). */
  public record Result(int nodes, long knownMillis, long convergeMillis, long detectMillis, String unconverged) {}

  public static Result run(int n, long probeIntervalMillis, long limitMillis) throws Exception {
    Path dir = Files.createTempDirectory("fedmesh-bench-membership");
    BenchPki pki = new BenchPki(dir);
    List<NodeId> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(pki.node("n" + i).verifyingKey().nodeId());
    }
    List<NodeServer> nodes = new ArrayList<>();
    try {
      String seed = null;
      for (int i = 0; i < n; i++) {
        Path config = Files.writeString(dir.resolve("n" + i + ".yaml"), "data_dir: n" + i
            + "\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {ca: ../ca.crt, crl: ../crl.pem}\n"
            + "gossip: {probe_interval_ms: " + probeIntervalMillis + ", probe_timeout_ms: " + probeIntervalMillis / 2 + "}\n"
            + (seed == null ? "" : "seeds: [" + seed + "]\n")
            + "federations:\n  bench:\n    members:\n      " + ids.get(i).hex() + ": [participant]\n");
        nodes.add(NodeServer.start(NodeConfig.load(config), Clock.systemUTC()));
        if (seed == null) {
          seed = ids.get(0).hex() + "@127.0.0.1:" + nodes.get(0).port();
        }
      }
      long start = System.nanoTime();
      boolean known = waitFor(() -> nodes.stream().allMatch(node -> node.members().size() == n), limitMillis);
      long knownMillis = known ? (System.nanoTime() - start) / 1_000_000 : -1;
      boolean converged = waitFor(() -> nodes.stream().allMatch(node -> node.members().values().stream()
          .filter(m -> m.state() == MemberState.MEMBER_STATE_ALIVE).count() == n), limitMillis);
      long convergeMillis = converged ? (System.nanoTime() - start) / 1_000_000 : -1;
      String unconverged = converged ? "" : views(nodes);
      NodeServer stopped = nodes.remove(n / 2);
      stopped.close();
      start = System.nanoTime();
      boolean detected = waitFor(() -> nodes.stream().allMatch(node -> {
        var m = node.members().get(stopped.id());
        return m != null && m.state() == MemberState.MEMBER_STATE_DEAD;
      }), limitMillis);
      long detectMillis = detected ? (System.nanoTime() - start) / 1_000_000 : -1;
      return new Result(n, knownMillis, convergeMillis, detectMillis, unconverged);
    } finally {
      nodes.parallelStream().forEach(NodeServer::close); // one by one, 100 nodes take minutes to drain
    }
  }

  /** What the nodes see when they have not converged: views by state, summed over all nodes. */
  private static String views(List<NodeServer> nodes) {
    java.util.Map<MemberState, Long> byState = new java.util.EnumMap<>(MemberState.class);
    long missing = 0;
    for (NodeServer node : nodes) {
      var members = node.members();
      missing += nodes.size() - members.size();
      members.values().forEach(m -> byState.merge(m.state(), 1L, Long::sum));
    }
    return "views summed over all nodes: " + byState + ", unknown " + missing;
  }

  private static boolean waitFor(BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }
}
