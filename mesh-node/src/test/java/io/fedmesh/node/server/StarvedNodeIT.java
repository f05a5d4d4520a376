package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.proto.v1.MemberState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node in its own process, starved of CPU by the operating system (SIGSTOP for 300 ms, SIGCONT for
 * 300 ms, over and over: it runs half the time) with two nodes in this JVM watching it under the
 * default LAN timing (1 s probes, 500 ms timeout). It still answers within its timeout, so it is never
 * declared dead; stopped for good, it is, within the documented time.
 */
class StarvedNodeIT {
  @TempDir
  Path dir;
  private final List<NodeServer> nodes = new ArrayList<>();
  private Process starved;

  @AfterEach
  void stop() throws Exception {
    if (starved != null) {
      signal("CONT");
      starved.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    nodes.forEach(NodeServer::close);
  }

  private void signal(String name) throws Exception {
    // The shell's own kill: a fresh machine may not have procps' /bin/kill.
    new ProcessBuilder("sh", "-c", "kill -" + name + " " + starved.pid()).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
  }

  @Test
  void aStarvedNodeThatStillAnswersInTimeIsNotDeclaredFailed() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity a = mesh.node("a");
    TestMesh.Identity b = mesh.node("b");
    TestMesh.Identity s = mesh.node("s");
    String common = "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n"
        + "federations:\n  card-fraud:\n    members:\n      " + a.id().hex() + ": [participant]\n";
    nodes.add(NodeServer.start(NodeConfig.load(Files.writeString(dir.resolve("a.yaml"), "data_dir: " + a.dir() + "\n" + common)),
        Clock.systemUTC()));
    String seed = "seeds: [" + a.id().hex() + "@127.0.0.1:" + nodes.get(0).port() + "]\n";
    nodes.add(NodeServer.start(NodeConfig.load(Files.writeString(dir.resolve("b.yaml"), "data_dir: " + b.dir() + "\n" + seed + common)),
        Clock.systemUTC()));
    Path root = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
    starved = new ProcessBuilder(root.resolve("fedmesh").toString(), "node", "--config",
        Files.writeString(dir.resolve("s.yaml"), "data_dir: " + s.dir() + "\n" + seed + common).toString())
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(starved.getInputStream(), StandardCharsets.UTF_8));
    Matcher started = null;
    for (String line = out.readLine(); line != null && started == null; line = started == null ? out.readLine() : null) {
      Matcher m = Pattern.compile("node ([0-9a-f]{64}) listening on port (\\d+)").matcher(line);
      started = m.find() ? m : null;
    }
    assertThat(started).as("the node process's start line").isNotNull();
    assertThat(waitFor(() -> nodes.stream().allMatch(n -> state(n, s) == MemberState.MEMBER_STATE_ALIVE), 20_000)).isTrue();

    Set<MemberState> seen = ConcurrentHashMap.newKeySet();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      signal("STOP");
      watch(s, seen, 300);
      signal("CONT");
      watch(s, seen, 300);
    }
    assertThat(seen).as("states the watchers saw the starved node in").doesNotContain(MemberState.MEMBER_STATE_DEAD)
        .contains(MemberState.MEMBER_STATE_ALIVE);

    // The same watchers do find it dead when it stops answering altogether.
    signal("STOP");
    long stopped = System.nanoTime();
    assertThat(waitFor(() -> nodes.stream().allMatch(n -> state(n, s) == MemberState.MEMBER_STATE_DEAD), 60_000)).isTrue();
    System.out.printf("starved node (50%% duty) never declared dead over 20 s; stopped for good: dead everywhere in %d ms%n",
        (System.nanoTime() - stopped) / 1_000_000);
  }

  private MemberState state(NodeServer observer, TestMesh.Identity subject) {
    var m = observer.members().get(subject.id());
    return m == null ? null : m.state();
  }

  private void watch(TestMesh.Identity subject, Set<MemberState> seen, long millis) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < end) {
      for (NodeServer n : nodes) {
        MemberState st = state(n, subject);
        if (st != null) {
          seen.add(st);
        }
      }
      Thread.sleep(20);
    }
  }

  private static boolean waitFor(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
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
