package io.fedmesh.node.demo;

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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Node processes on this machine (the demo's, the round benchmark's): each in its own JVM with this
 * JVM's flags (less its heap settings) and class path, its output in a log file. Stopped all together
 * at the end, on Ctrl-C (a shutdown hook), or when the caller sees one exit on its own ({@link #failed}).
 */
public final class NodeProcesses implements AutoCloseable {
  /** A started node: its process, its log, and the ports its start line gave (-1: behind a firewall). */
  public record Started(String name, Process process, Path log, int port, int metricsPort) {}

  private static final Pattern PORTS = Pattern.compile("(?:listening on port (\\d+)|behind a firewall).*metrics on port (\\d+)");
  private final List<Started> started = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Thread hook = new Thread(this::stopAll, "fedmesh-demo-stop");
  private volatile boolean stopping;

  public NodeProcesses() {
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts {@code fedmesh node --config config} (512 MiB of heap) and waits up to 2 minutes for its start line. */
  Started start(String name, Path config, Path logs) throws IOException, InterruptedException {
    return start(name, List.of("io.fedmesh.node.cli.FedmeshMain", "node", "--config", config.toString()), logs, 512,
        java.time.Duration.ofMinutes(2));
  }

  /**
   * Starts {@code mainAndArgs} (a main class that starts a node and prints a node's start line) in a new
   * JVM with {@code heapMegabytes} of heap, and waits up to {@code startTimeout} for its start line.
   */
  public Started start(String name, List<String> mainAndArgs, Path logs, int heapMegabytes, java.time.Duration startTimeout)
      throws IOException, InterruptedException {
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
    command.addAll(mainAndArgs);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<int[]> ports = new CompletableFuture<>();
    Thread copier = new Thread(() -> copy(p, log, ports), "fedmesh-demo-log-" + name);
    copier.setDaemon(true);
    copier.start();
    int[] found;
    try {
      found = ports.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("node " + name + " did not start (see " + log + ")");
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
          ports.complete(new int[] {m.group(1) == null ? -1 : Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
      }
    } catch (IOException e) {
      // the process is gone; its exit is noticed by the supervisor
    } finally {
      ports.completeExceptionally(new IOException("exited"));
    }
  }

  /** The first node that exited without being asked to, if any. */
  public java.util.Optional<Started> failed() {
    return stopping ? java.util.Optional.empty() : all().stream().filter(s -> !s.process().isAlive()).findFirst();
  }

  public List<Started> all() {
    synchronized (started) {
      return List.copyOf(started);
    }
  }

  /** Stops one node now (SIGTERM, then SIGKILL after 10 s): the demo's dropout. */
  public void stop(Started s) throws InterruptedException {
    s.process().destroy();
    if (!s.process().waitFor(10, TimeUnit.SECONDS)) {
      s.process().destroyForcibly();
    }
  }

  private void stopAll() {
    stopping = true;
    List<Started> all = all();
    all.forEach(s -> s.process().destroy());
    for (Started s : all) {
      try {
        if (!s.process().waitFor(10, TimeUnit.SECONDS)) {
          s.process().destroyForcibly();
        }
      } catch (InterruptedException e) {
        s.process().destroyForcibly();
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
