package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.proto.v1.MemberState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ten real node servers on 127.0.0.1 gossiping over mutual TLS: they converge, and a stopped one is found dead. */
class MeshGossipTest {
  private static final int N = 10;
  @TempDir
  Path dir;
  private final List<NodeServer> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(NodeServer::close);
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

  private boolean allSee(NodeId subject, MemberState state, List<NodeServer> observers) {
    return observers.stream().allMatch(o -> {
      var m = o.members().get(subject);
      return m != null && m.state() == state;
    });
  }

  @Test
  void tenNodesConvergeAndAStoppedNodeIsDeclaredDeadByAll() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    List<TestMesh.Identity> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add(mesh.node("n" + i));
    }
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < N; i++) {
      members.append("      ").append(ids.get(i).id().hex()).append(i == 0 ? ": [admin, participant]\n" : ": [participant]\n");
    }
    String seed = null;
    for (int i = 0; i < N; i++) {
      Path config = Files.writeString(dir.resolve("n" + i + ".yaml"), "data_dir: " + ids.get(i).dir()
          + "\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n"
          + "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n"
          + (seed == null ? "" : "seeds: [" + seed + "]\n")
          + "federations:\n  card-fraud:\n    members:\n" + members);
      nodes.add(NodeServer.start(NodeConfig.load(config), Clock.systemUTC()));
      if (seed == null) {
        seed = ids.get(0).id().hex() + "@127.0.0.1:" + nodes.get(0).port();
      }
    }

    long start = System.nanoTime();
    assertThat(waitFor(() -> nodes.stream().allMatch(n -> n.members().values().stream()
        .filter(m -> m.state() == MemberState.MEMBER_STATE_ALIVE).count() == N), 20_000)).as("converged").isTrue();
    long converged = (System.nanoTime() - start) / 1_000_000;

    // The admin asks node 1 what it sees, as JSON.
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = io.fedmesh.node.cli.FedmeshMain.run(new String[] {"members", "--config", dir.resolve("n0.yaml").toString(),
        "--target", "127.0.0.1:" + nodes.get(1).port(), "--federation", "card-fraud", "--json"},
        new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString().strip()).startsWith("{\"members\": [{\"node\": \"")
        .contains("\"state\": \"alive\"", "\"roles\": [\"participant\", \"admin\"]", "\"address\": \"127.0.0.1:");
    assertThat(out.toString().split("\"node\"", -1)).hasSize(N + 1);
    // A participant may not ask: it is an admin call.
    code = io.fedmesh.node.cli.FedmeshMain.run(new String[] {"members", "--config", dir.resolve("n2.yaml").toString(),
        "--target", "127.0.0.1:" + nodes.get(1).port(), "--federation", "card-fraud"},
        new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("PERMISSION_DENIED: missing_role");

    NodeServer stopped = nodes.remove(3);
    long oldIncarnation = nodes.get(0).members().get(stopped.id()).incarnation();
    stopped.close();
    start = System.nanoTime();
    assertThat(waitFor(() -> allSee(stopped.id(), MemberState.MEMBER_STATE_DEAD, nodes), 30_000)).as("declared dead").isTrue();
    long detected = (System.nanoTime() - start) / 1_000_000;
    // The documented bound (docs/operations.md, "Membership"): probed within n intervals, suspected at
    // the end of that interval, dead after at most the longest suspicion timeout, spread in a few more.
    var timing = NodeConfig.load(dir.resolve("n1.yaml")).gossip();
    assertThat(detected).as("detection time").isLessThanOrEqualTo(N * timing.probeIntervalMillis()
        + timing.suspicionTimeoutMillis(N, 0) + 5 * timing.probeIntervalMillis());
    // The gauges read a snapshot taken each tick (50 ms): give it a moment to catch up.
    assertThat(waitFor(() -> nodes.get(0).metrics().scrape().contains("fedmesh_members{state=\"dead\"} 1.0")
        && nodes.get(0).metrics().scrape().contains("fedmesh_members{state=\"alive\"} 9.0"), 2_000)).isTrue();
    System.out.printf("gossip over mTLS, 10 nodes, 200 ms probes: converged in %d ms, stopped node dead everywhere in %d ms%n",
        converged, detected);

    // The same node starts again (same identity, a new process would do the same): it rejoins, alive
    // everywhere, at a higher incarnation than the one it died with.
    NodeServer restarted = NodeServer.start(NodeConfig.load(dir.resolve("n3.yaml")), Clock.systemUTC());
    nodes.add(restarted);
    assertThat(waitFor(() -> allSee(restarted.id(), MemberState.MEMBER_STATE_ALIVE,
        nodes.subList(0, nodes.size() - 1)), 20_000)).as("rejoined").isTrue();
    assertThat(nodes.get(0).members().get(restarted.id()).incarnation()).isGreaterThan(oldIncarnation);
  }

  @Test
  void aClientRefusesARevokedServer() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity b = mesh.node("b");
    String common = "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n"
        + "federations:\n  card-fraud:\n    members:\n      " + a.id().hex() + ": [participant]\n";
    nodes.add(NodeServer.start(NodeConfig.load(Files.writeString(dir.resolve("a.yaml"), "data_dir: " + a.dir() + "\n" + common)),
        Clock.systemUTC()));
    Path bConfig = Files.writeString(dir.resolve("b.yaml"), "data_dir: " + b.dir() + "\n" + common);
    String[] health = {"health", "--config", bConfig.toString(), "--target", "127.0.0.1:" + nodes.get(0).port()};
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    assertThat(io.fedmesh.node.cli.FedmeshMain.run(health, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)))
        .as(err.toString()).isZero();

    // The CA revokes a; b's copy of the list now names it: b no longer trusts a's answers.
    mesh.writeCrl(java.util.Map.of(a.certificate().getSerialNumber(), java.time.Instant.now()));
    assertThat(io.fedmesh.node.cli.FedmeshMain.run(health, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)))
        .isEqualTo(1);
    assertThat(err.toString()).contains("revoked");
  }
}
