package io.fedmesh.bench.round;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's node processes, as {@code fedmesh demo} starts them (mesh-node's demo NodeProcesses):
 * each {@link RoundBenchNode} in its own JVM with this JVM's flags (less a pre-touched heap) and class
 * path, its output in a log file. All are stopped at {@link #close}, and by a shutdown hook if this
 * JVM is stopped first (Ctrl-C).
 */
final class NodeProcesses implements AutoCloseable {
  /** A started node: its process, its log, and the ports its start line gave. */
  record Started(String name, Process process, Path log, int port, int metricsPort) {}

  private static final Pattern PORTS = Pattern.compile("listening on port (\\d+).*metrics on port (\\d+)");
  private final List<Started> started = Collections.synchronizedList(new ArrayList<>());
  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
  private final Thread hook = new Thread(this::stopAll, "fedmesh-bench-round-stop");
  private volatile boolean stopping;

  NodeProcesses() {
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts {@link RoundBenchNode} on {@code config} with at most {@code heapMegabytes}, and waits (5 min at most: a loaded machine) for its start line. */
  Started start(String name, Path config, Path logs, int heapMegabytes) throws IOException {
    Files.createDirectories(logs);
    Path log = logs.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!arg.startsWith("-Xms") && !arg.startsWith("-Xmx") && !arg.startsWith("-XX:+AlwaysPreTouch")
          && !arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
        command.add(arg);
      }
    }
    command.add("-Xmx" + heapMegabytes + "m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RoundBenchNode.class.getName());
    command.add(config.toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    processes.add(p);
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    Thread copier = new Thread(() -> copy(p, log, ports), "fedmesh-bench-log-" + name);
    copier.setDaemon(true);
    copier.start();
    int[] found;
    try {
      found = ports.get(300, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("node " + name + " did not start (see " + log + ")");
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while node " + name + " started");
    }
    Started s = new Started(name, p, log, found[0], found[1]);
    started.add(s);
    return s;
  }

  private static void copy(Process p, Path log, CompletableFuture<int[]> ports) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        out.println(line);
        out.flush();
        Matcher m = PORTS.matcher(line);
        if (!ports.isDone() && m.find()) {
          ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
      }
    } catch (IOException e) {
      // the process is gone; the benchmark notices its exit
    } finally {
      ports.completeExceptionally(new IOException("exited"));
    }
  }

  /** The first node that exited without being asked to, if any. */
  Optional<Started> failed() {
    return stopping ? Optional.empty() : all().stream().filter(s -> !s.process().isAlive()).findFirst();
  }

  List<Started> all() {
    synchronized (started) {
      return List.copyOf(started);
    }
  }

  /** SIGTERM to every process this started (those still starting included), SIGKILL after 10 s. */
  private void stopAll() {
    stopping = true;
    List<Process> all;
    synchronized (processes) {
      all = List.copyOf(processes);
    }
    all.forEach(Process::destroy);
    for (Process p : all) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or ran: it stops them
    }
  }
}
