package io.fedmesh.node.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus beside node processes (for {@code fedmesh demo --prometheus}, and deploy's checks): a
 * generated config that scrapes each node's metrics endpoint, a throw-away data directory, the web UI on a
 * free loopback port. Stopped on {@link #close} and on JVM exit (Ctrl-C).
 */
public final class DemoPrometheus implements AutoCloseable {
  /** The one line printed when Prometheus is not installed. */
  public static final String NOT_INSTALLED = "prometheus: not installed (no /usr/bin/prometheus, none on PATH): "
      + "'sudo apt-get install prometheus' (Debian, Ubuntu) or https://prometheus.io/download/, then run the demo with "
      + "--prometheus again";

  /** A node to scrape: its name (the {@code node} label), metrics port on 127.0.0.1, and extra labels. */
  public record Target(String name, int metricsPort, Map<String, String> labels) {
    String address() {
      return "127.0.0.1:" + metricsPort;
    }
  }

  private final Process process;
  private final int port;
  private final Path config;
  private final Path log;
  private final Thread hook;

  private DemoPrometheus(Process process, int port, Path config, Path log) {
    this.process = process;
    this.port = port;
    this.config = config;
    this.log = log;
    this.hook = new Thread(this::stop, "fedmesh-prometheus-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** {@code /usr/bin/prometheus}, else the first {@code prometheus} on {@code path} (a PATH value), if any. */
  public static Optional<Path> find(Path usual, String path) {
    List<Path> candidates = new ArrayList<>();
    candidates.add(usual);
    for (String dir : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "prometheus"));
      }
    }
    return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
  }

  public static Optional<Path> find() {
    return find(Path.of("/usr/bin/prometheus"), System.getenv("PATH"));
  }

  /**
   * The targets in Prometheus' file service discovery format (what deploy/prometheus/prometheus.yml reads from
   * the demo's {@code prometheus/targets.json}).
   */
  public static String targetsJson(List<Target> targets) {
    StringBuilder j = new StringBuilder("[\n");
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(i);
      j.append("  {\"targets\": [\"").append(t.address()).append("\"], \"labels\": {");
      Map<String, String> labels = new TreeMap<>(t.labels());
      labels.put("node", t.name());
      int n = 0;
      for (Map.Entry<String, String> e : labels.entrySet()) {
        j.append(n++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": \"").append(e.getValue()).append('"');
      }
      j.append("}}").append(i + 1 < targets.size() ? ",\n" : "\n");
    }
    return j.append("]\n").toString();
  }

  /** A config scraping {@code targets} (job {@code fedmesh}) every {@code interval}, loading {@code ruleFiles} (globs). */
  public static String config(List<Target> targets, Duration interval, List<String> ruleFiles) {
    StringBuilder y = new StringBuilder("# Written by fedmesh demo --prometheus: the demo's nodes, scraped every ")
        .append(interval.toSeconds()).append(" s.\nglobal:\n  scrape_interval: ").append(interval.toSeconds())
        .append("s\n  evaluation_interval: ").append(interval.toSeconds()).append("s\n");
    if (!ruleFiles.isEmpty()) {
      y.append("rule_files:\n");
      ruleFiles.forEach(r -> y.append("  - '").append(r.replace("'", "''")).append("'\n"));
    }
    y.append("scrape_configs:\n  - job_name: fedmesh\n    static_configs:\n");
    for (Target t : targets) {
      y.append("      - targets: ['").append(t.address()).append("']\n        labels: {node: '").append(t.name()).append('\'');
      new TreeMap<>(t.labels()).forEach((k, v) -> y.append(", ").append(k).append(": '").append(v).append('\''));
      y.append("}\n");
    }
    return y.toString();
  }

  /**
   * Starts {@code executable} with {@link #config} written to {@code dir}/prometheus.yml, its data in
   * {@code dir}/data and its output in {@code dir}/prometheus.log, on a free port of 127.0.0.1, and waits
   * (up to 30 s) until it is ready.
   */
  public static DemoPrometheus start(Path executable, Path dir, List<Target> targets, Duration interval, List<String> ruleFiles)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, config(targets, interval, ruleFiles), StandardCharsets.UTF_8);
    return start(executable, config, dir);
  }

  /** Starts {@code executable} with an existing {@code config}; data and log under {@code dir}. */
  public static DemoPrometheus start(Path executable, Path config, Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path log = dir.resolve("prometheus.log");
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) { // a free port found can be taken before Prometheus binds it
      int port = freePort();
      Process p = new ProcessBuilder(executable.toString(), "--config.file=" + config.toAbsolutePath(),
          "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(), "--web.listen-address=127.0.0.1:" + port,
          "--web.enable-lifecycle", "--log.level=warn")
          .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      DemoPrometheus prometheus = new DemoPrometheus(p, port, config, log);
      if (prometheus.awaitReady(Duration.ofSeconds(30))) {
        return prometheus;
      }
      prometheus.close();
      last = new IOException("prometheus did not become ready on port " + port + " (see " + log + "): "
          + lastLines(log));
    }
    throw last;
  }

  private boolean awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end && process.isAlive()) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "-/ready")).timeout(Duration.ofSeconds(2))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return false;
  }

  /** The web UI and API, {@code http://127.0.0.1:PORT/}. */
  public String url() {
    return "http://127.0.0.1:" + port + "/";
  }

  public int port() {
    return port;
  }

  public Path config() {
    return config;
  }

  public Path log() {
    return log;
  }

  public Process process() {
    return process;
  }

  private void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or ran: it stops Prometheus
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }
}
