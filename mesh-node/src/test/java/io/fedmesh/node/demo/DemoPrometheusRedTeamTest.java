package io.fedmesh.node.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of {@code fedmesh demo --prometheus}'s Prometheus: what it listens on, where it writes, and whether it
 * outlives a failed, interrupted or killed demo.
 */
class DemoPrometheusRedTeamTest {
  private static final List<DemoPrometheus.Target> TARGETS = List.of(new DemoPrometheus.Target("coordinator", 1, Map.of()));

  /** A real Prometheus: every TCP socket it listens on is on loopback, and it writes only under its directory. */
  @Test
  void aRealPrometheusListensOnlyOnLoopbackAndWritesOnlyInItsDirectory(@TempDir Path tmp) throws Exception {
    var executable = DemoPrometheus.find();
    assumeTrue(executable.isPresent(), "prometheus is not installed");
    Path demo = Files.createDirectories(tmp.resolve("demo"));
    Path neighbour = Files.writeString(tmp.resolve("neighbour.txt"), "untouched");
    Set<Path> before = files(tmp);
    Path cwd = Path.of("").toAbsolutePath();
    Set<Path> cwdBefore = files(cwd, 1);
    DemoPrometheus p = DemoPrometheus.start(executable.get(), demo.resolve("prometheus"), TARGETS, Duration.ofSeconds(1), List.of());
    long pid = p.process().pid();
    try (p) {
      List<String> listening = listeningAddresses(pid);
      assertThat(listening).as("Prometheus' listening sockets").isNotEmpty()
          .allSatisfy(a -> assertThat(a).as("listen address").matches("127\\.0\\.0\\.1:\\d+|\\[::1\\]:\\d+"));
      Thread.sleep(2000); // a scrape or two, a head block
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    Set<Path> outside = files(tmp).stream().filter(f -> !f.startsWith(demo.resolve("prometheus"))).collect(Collectors.toSet());
    assertThat(outside).as("files outside the demo's prometheus directory").isEqualTo(before);
    assertThat(Files.readString(neighbour)).isEqualTo("untouched");
    assertThat(files(cwd, 1)).as("the working directory").isEqualTo(cwdBefore);
  }

  /** An executable that dies at once: start fails after its attempts, with the log named, and leaves no process. */
  @Test
  void aPrometheusThatDiesFailsTheStartAndLeavesNothing(@TempDir Path tmp) throws Exception {
    Path fake = script(tmp, "#!/bin/sh\necho 'err: cannot start' >&2\nexit 3\n");
    Set<Long> before = descendants();
    assertThatThrownBy(() -> DemoPrometheus.start(fake, tmp.resolve("prometheus"), TARGETS, Duration.ofSeconds(1), List.of()))
        .isInstanceOf(IOException.class).hasMessageContaining("did not become ready").hasMessageContaining("prometheus.log");
    assertThat(descendants()).isEqualTo(before);
  }

  /**
   * The demo's thread interrupted (Ctrl-C in an embedding, a test's timeout) while Prometheus starts: no process may
   * be left running untracked. DemoPrometheus.start lets the InterruptedException out of awaitReady without
   * stopping the process it just started, and DemoCommand then goes on "without" Prometheus.
   */
  @Disabled("HOLE (low): DemoPrometheus.start interrupted while waiting for readiness leaves the Prometheus it started running "
      + "and untracked (no close, DemoCommand returns null and the demo goes on); only the JVM-exit hook stops it")
  @Test
  void anInterruptedStartLeavesNoPrometheus(@TempDir Path tmp) throws Exception {
    Path fake = script(tmp, "#!/bin/sh\nexec sleep 600\n"); // never becomes ready
    Set<Long> before = descendants();
    Thread starter = new Thread(() -> {
      try {
        DemoPrometheus.start(fake, tmp.resolve("prometheus"), TARGETS, Duration.ofSeconds(1), List.of());
      } catch (IOException | InterruptedException expected) {
        // the interrupt
      }
    });
    starter.start();
    Thread.sleep(1500);
    starter.interrupt();
    starter.join(20_000);
    Thread.sleep(500);
    Set<Long> left = new HashSet<>(descendants());
    left.removeAll(before);
    try {
      assertThat(left).as("processes left by an interrupted start").isEmpty();
    } finally {
      left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  /** SIGTERM to the demo's JVM (Ctrl-C, kill): the exit hook stops its Prometheus. */
  @Test
  void aTerminatedDemoStopsItsPrometheus(@TempDir Path tmp) throws Exception {
    assumeTrue(DemoPrometheus.find().isPresent(), "prometheus is not installed");
    Holder child = Holder.launch(tmp);
    try {
      child.jvm.destroy(); // SIGTERM
      assertThat(child.jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(waitGone(child.prometheus, Duration.ofSeconds(20))).as("Prometheus %s after SIGTERM to the demo", child.prometheus)
          .isTrue();
    } finally {
      child.kill();
    }
  }

  /** SIGKILL to the demo's JVM (OOM killer, kill -9): its Prometheus should not outlive it. */
  @Disabled("HOLE (low): after SIGKILL of the demo's JVM (kill -9, OOM killer) its Prometheus keeps running, orphaned, on its "
      + "loopback port with --web.enable-lifecycle, writing into the demo directory (no parent-death signal, no pid file, "
      + "nothing reaps it on the next demo); the node processes of NodeProcesses likely the same")
  @Test
  void aKilledDemoLeavesNoPrometheus(@TempDir Path tmp) throws Exception {
    assumeTrue(DemoPrometheus.find().isPresent(), "prometheus is not installed");
    Holder child = Holder.launch(tmp);
    try {
      child.jvm.destroyForcibly(); // SIGKILL
      assertThat(child.jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(waitGone(child.prometheus, Duration.ofSeconds(10))).as("Prometheus %s after SIGKILL to the demo", child.prometheus)
          .isTrue();
    } finally {
      child.kill();
    }
  }

  // --- helpers ---

  /** A JVM running {@link #main}: a real DemoPrometheus, its pid on stdout, then waiting. */
  record Holder(Process jvm, long prometheus) {
    static Holder launch(Path tmp) throws Exception {
      Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), Holder.class.getName(), tmp.resolve("prometheus").toString())
          .redirectErrorStream(true).start();
      BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
      String line;
      long pid = -1;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < end && (line = r.readLine()) != null) {
        if (line.startsWith("prometheus-pid ")) {
          pid = Long.parseLong(line.substring("prometheus-pid ".length()).trim());
          break;
        }
      }
      assertThat(pid).as("the child started Prometheus").isPositive();
      return new Holder(jvm, pid);
    }

    void kill() {
      jvm.destroyForcibly();
      ProcessHandle.of(prometheus).ifPresent(ProcessHandle::destroyForcibly);
    }

    public static void main(String[] args) throws Exception {
      DemoPrometheus p = DemoPrometheus.start(DemoPrometheus.find().orElseThrow(), Path.of(args[0]), TARGETS, Duration.ofSeconds(1),
          List.of());
      System.out.println("prometheus-pid " + p.process().pid());
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  private static boolean waitGone(long pid, Duration wait) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < end) {
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private static Path script(Path dir, String text) throws IOException {
    Path f = Files.createDirectories(dir.resolve("bin")).resolve("prometheus");
    Files.writeString(f, text);
    assertThat(f.toFile().setExecutable(true)).isTrue();
    return f;
  }

  private static Set<Long> descendants() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).collect(Collectors.toSet());
  }

  private static Set<Path> files(Path root) throws IOException {
    return files(root, Integer.MAX_VALUE);
  }

  private static Set<Path> files(Path root, int depth) throws IOException {
    try (Stream<Path> s = Files.walk(root, depth)) {
      return s.collect(Collectors.toSet());
    }
  }

  /** host:port of each TCP socket in state LISTEN that process {@code pid} holds (from /proc). */
  private static List<String> listeningAddresses(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException gone) {
          // closed meanwhile
        }
      }
    }
    List<String> listening = new ArrayList<>();
    for (String table : List.of("tcp", "tcp6")) {
      List<String> rows = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
      for (String row : rows.subList(1, rows.size())) {
        String[] f = row.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) {
          listening.add(address(f[1]));
        }
      }
    }
    return listening;
  }

  private static String address(String hex) {
    String[] parts = hex.split(":");
    int port = Integer.parseInt(parts[1], 16);
    String h = parts[0];
    if (h.length() == 8) {
      long v = Long.parseLong(h, 16);
      return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff) + ":" + port;
    }
    if (h.equals("00000000000000000000000001000000")) {
      return "[::1]:" + port;
    }
    return "[" + h + "]:" + port;
  }
}
