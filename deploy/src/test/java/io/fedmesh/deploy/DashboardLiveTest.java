package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.cli.FedmeshMain;
import io.fedmesh.node.demo.DemoPrometheus;
import io.fedmesh.node.demo.NodeProcesses;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The monitoring files against the real thing: four node processes (a coordinator-eligible node with a Raft
 * group, three participants, one behind a firewall attached through the coordinator) form a federation whose
 * ledger is created from the CLI, and run rounds; a real Prometheus (Debian's prometheus package) runs
 * deploy/prometheus/prometheus.yml (its file service discovery reading the targets file the demo writes) with
 * deploy/prometheus/rules. Then every dashboard query returns data, but for the few series that exist only after
 * an event ({@link #EVENT_ONLY}); every metric the rules and the dashboard name is one the nodes export; and every
 * alert rule evaluates without error, none firing on a healthy federation.
 */
class DashboardLiveTest {
  static final String FED = "card-fraud";
  /**
   * Series a node creates only when the event happens (Micrometer registers a labelled counter on first use):
   * a refused round message, envelope, authorisation, ledger or Raft request, and a model pulled by a second
   * coordinator-eligible node. A query made only of these may return nothing here.
   */
  static final Set<String> EVENT_ONLY = Set.of("fedmesh_round_refusals_total", "fedmesh_envelopes_refused_total",
      "fedmesh_authorization_failures_total", "fedmesh_ledger_requests_refused_total", "fedmesh_raft_requests_refused_total",
      "fedmesh_ledger_model_pulls_total");
  private static final Pattern METRIC = Pattern.compile("\\b((?:fedmesh|jvm|process)_[a-z_]+)\\b(?!\\s*[(=~!])");

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void everyDashboardQueryReturnsDataFromRealNodes() throws Exception {
    // Kept after the run (node logs, Prometheus' config and log) for whoever reads a failure; emptied first.
    Path tmp = Tools.DEPLOY.resolve("target/dashboard-live");
    if (Files.exists(tmp)) {
      try (var all = Files.walk(tmp)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(tmp);
    Path prometheusBinary = Tools.prometheus();
    long t0 = System.nanoTime();
    List<String> names = List.of("c1", "p1", "p2", "p3");
    Map<String, String> ids = identities(tmp, names);
    int grpc = freePort();
    int raft = freePort();
    StringBuilder members = new StringBuilder();
    names.forEach(n -> members.append("      ").append(ids.get(n)).append(n.equals("c1") ? ": [coordinator-eligible, admin]\n" : ": [participant]\n"));
    String federation = "federations:\n  " + FED + ":\n    members:\n" + members
        + "    rounds:\n      coordinator: elected\n      model: mlp:16\n      input_shape: [12]\n      classes: 2\n"
        + "      participants: {min: 3}\n      deadlines_ms: {train: 30000, phase: 15000, evaluation: 15000}\n";
    String common = "data_dir: data\nmetrics_listen: 127.0.0.1:0\ngossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    Map<String, Path> configs = new LinkedHashMap<>();
    configs.put("c1", Files.writeString(tmp.resolve("c1/node.yaml"), common + "listen: 127.0.0.1:" + grpc + "\n" + federation
        + "raft: {listen: 127.0.0.1:" + raft + "}\n"));
    for (int i = 1; i <= 3; i++) {
      String n = "p" + i;
      configs.put(n, Files.writeString(tmp.resolve(n + "/node.yaml"), common + "listen: 127.0.0.1:0\n"
          + "seeds: [" + ids.get("c1") + "@127.0.0.1:" + grpc + "]\n" + (i == 3 ? "reachable: false\n" : "") + federation
          + "participant:\n  " + FED + ":\n    data: {synthetic: {institution: " + (i - 1) + ", institutions: 3, rows: 600}}\n"));
    }

    try (NodeProcesses nodes = new NodeProcesses()) {
      List<CompletableFuture<NodeProcesses.Started>> starting = new ArrayList<>();
      for (Map.Entry<String, Path> e : configs.entrySet()) {
        starting.add(CompletableFuture.supplyAsync(() -> {
          try {
            // JVM options go before the main class; DJL offline with one thread, as ./fedmesh runs it.
            return nodes.start(e.getKey(), List.of("-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "io.fedmesh.node.cli.FedmeshMain", "node", "--config", e.getValue().toString()), tmp.resolve("logs"), 384,
                Duration.ofMinutes(2));
          } catch (Exception x) {
            throw new java.util.concurrent.CompletionException(x);
          }
        }));
      }
      List<DemoPrometheus.Target> targets = new ArrayList<>();
      for (CompletableFuture<NodeProcesses.Started> s : starting) {
        NodeProcesses.Started n = s.join();
        targets.add(new DemoPrometheus.Target(n.name(), n.metricsPort(), Map.of("reachable", Boolean.toString(n.port() >= 0))));
      }

      progress(t0, "4 nodes started");
      // deploy/prometheus as shipped, laid out as at the repository root beside the demo's output directory;
      // only the scrape interval is shortened (5 s -> 1 s) to keep this test short.
      Path deployed = Files.createDirectories(tmp.resolve("repo/deploy/prometheus/rules"));
      String config = Files.readString(PrometheusConfigTest.DIR.resolve("prometheus.yml"));
      assertThat(config).contains("scrape_interval: 5s");
      Files.writeString(deployed.resolveSibling("prometheus.yml"), config.replace("scrape_interval: 5s", "scrape_interval: 1s")
          .replace("refresh_interval: 5s", "refresh_interval: 1s"));
      for (String rule : PrometheusConfigTest.files("rules")) {
        Files.copy(PrometheusConfigTest.DIR.resolve(rule), deployed.resolve(Path.of(rule).getFileName()));
      }
      Path targetsFile = Files.createDirectories(tmp.resolve("repo/fedmesh-demo/prometheus")).resolve("targets.json");
      Files.writeString(targetsFile, DemoPrometheus.targetsJson(targets));

      try (DemoPrometheus prometheus = DemoPrometheus.start(prometheusBinary, deployed.resolveSibling("prometheus.yml"),
          tmp.resolve("prometheus"))) {
        String target = "127.0.0.1:" + grpc;
        String c1 = configs.get("c1").toString();
        String participants = ids.get("p1") + "," + ids.get("p2") + "," + ids.get("p3");
        cli(90, "federation", "create", FED, "--coordinators", ids.get("c1"), "--admins", ids.get("c1"), "--participants", participants,
            "--approvals", "1", "--config", c1, "--target", target);
        progress(t0, "federation created");
        cli(90, "round", "start", "--config", c1, "--target", target, "--federation", FED, "--rounds", "5");

        // Until two rounds committed and the ledger's gauges are scraped, then a few more scrapes.
        awaitResult(prometheus, "sum(fedmesh_rounds_total{outcome=\"committed\"}) >= 1", Duration.ofSeconds(240), nodes);
        progress(t0, "a round committed");
        awaitResult(prometheus, "fedmesh_ledger_term", Duration.ofSeconds(30), nodes);
        awaitResult(prometheus, "count(up{job=\"fedmesh\"} == 1) == 4", Duration.ofSeconds(30), nodes);
        Thread.sleep(3000);
        progress(t0, "querying");

        List<Dashboard.Query> queries = Dashboard.load().queries();
        List<String> empty = new ArrayList<>();
        List<String> exempt = new ArrayList<>();
        for (Dashboard.Query q : queries) {
          JsonObject r = query(prometheus, q.runnable("30s"));
          assertThat(r.get("status").getAsString()).as(q.where() + ": " + r).isEqualTo("success");
          if (r.getAsJsonObject("data").getAsJsonArray("result").isEmpty()) {
            (eventOnly(q.expr()) ? exempt : empty).add(q.where() + ": " + q.runnable("30s"));
          }
        }
        System.out.println("dashboard queries empty here, as their series exist only after an event: " + exempt);
        assertThat(empty).as("dashboard queries that returned no data from a running federation").isEmpty();

        // Every metric named in the rules and the dashboard is one the nodes export (or creates on its event).
        Set<String> exported = new TreeSet<>();
        JsonObject namesReply = get(prometheus, "api/v1/label/__name__/values");
        namesReply.getAsJsonArray("data").forEach(e -> exported.add(e.getAsString()));
        Set<String> named = new TreeSet<>();
        queries.forEach(q -> named.addAll(metrics(q.expr())));
        for (String rule : PrometheusConfigTest.files("rules")) {
          for (String line : Files.readAllLines(PrometheusConfigTest.DIR.resolve(rule))) {
            if (line.strip().startsWith("expr:") || line.startsWith("          ")) {
              named.addAll(metrics(line.contains("#") ? line.substring(0, line.indexOf('#')) : line));
            }
          }
        }
        named.removeAll(EVENT_ONLY);
        named.removeAll(exported);
        assertThat(named).as("metrics the rules or the dashboard name that no node exports").isEmpty();
        assertThat(EVENT_ONLY.stream().filter(m -> queries.stream().noneMatch(q -> q.expr().contains(m))))
            .as("EVENT_ONLY names a metric the dashboard no longer uses").isEmpty();

        // The alert rules load in a real server and evaluate without error; a healthy federation fires none.
        JsonObject rules = get(prometheus, "api/v1/rules");
        int evaluated = 0;
        for (JsonElement g : rules.getAsJsonObject("data").getAsJsonArray("groups")) {
          for (JsonElement rule : g.getAsJsonObject().getAsJsonArray("rules")) {
            JsonObject o = rule.getAsJsonObject();
            assertThat(o.get("health").getAsString()).as(o.get("name") + ": " + o.get("lastError")).isNotEqualTo("err");
            assertThat(o.get("state").getAsString()).as(o.get("name") + " on a healthy federation").isNotEqualTo("firing");
            evaluated++;
          }
        }
        assertThat(evaluated).isGreaterThanOrEqualTo(10);
      }
    }
  }

  private static void progress(long t0, String what) {
    System.out.printf("DashboardLiveTest: %s after %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
  }

  private static boolean eventOnly(String expr) {
    List<String> used = metrics(expr);
    return !used.isEmpty() && used.stream().allMatch(m -> EVENT_ONLY.contains(m));
  }

  /** Metric names in a PromQL expression (not label names, not functions). */
  static List<String> metrics(String expr) {
    List<String> found = new ArrayList<>();
    Matcher m = METRIC.matcher(expr.replaceAll("\"[^\"]*\"", "\"\""));
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  /** Runs a fedmesh command in this JVM until it succeeds (the mesh needs a moment to know everyone). */
  private static void cli(int seconds, String... args) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      if (FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true)) == 0) {
        return;
      }
      last = out + err.toString();
      Thread.sleep(1000);
    }
    throw new AssertionError("fedmesh " + String.join(" ", args) + " kept failing: " + last);
  }

  private void awaitResult(DemoPrometheus p, String promql, Duration timeout, NodeProcesses nodes) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      nodes.failed().ifPresent(s -> {
        throw new AssertionError("node " + s.name() + " exited (see " + s.log() + ")");
      });
      if (!query(p, promql).getAsJsonObject("data").getAsJsonArray("result").isEmpty()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no result for " + promql + " within " + timeout.toSeconds() + " s (Prometheus log " + p.log() + ")");
  }

  private JsonObject query(DemoPrometheus p, String promql) throws Exception {
    return get(p, "api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  private JsonObject get(DemoPrometheus p, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(p.url() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  /** A throw-away CA and one identity per node, in each node's data directory (as docs/operations.md has it). */
  private static Map<String, String> identities(Path root, List<String> names) throws Exception {
    SecureRandom random = Randomness.strong();
    Instant now = Instant.now();
    CertificateAuthority ca = CertificateAuthority.create("FedMesh deploy check CA", SigningKey.generate(random),
        now.minus(Duration.ofHours(1)), Duration.ofDays(2), random);
    String caPem = Pem.certificate(ca.certificate());
    String crl = Pem.revocationList(ca.revocationList(Map.of(), BigInteger.ONE, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(1))));
    Map<String, String> ids = new LinkedHashMap<>();
    for (String name : names) {
      SigningKey key = SigningKey.generate(random);
      NodeCertificateRequest request = NodeCertificateRequest.create(key, List.of("localhost"), List.of(InetAddress.getLoopbackAddress()));
      X509Certificate cert = ca.issue(request, now.minus(Duration.ofMinutes(5)), Duration.ofDays(1), random);
      Path data = Files.createDirectories(root.resolve(name).resolve("data"));
      Files.writeString(data.resolve("node.key"), Pem.privateKey(key));
      Files.setPosixFilePermissions(data.resolve("node.key"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      Files.writeString(data.resolve("node.crt"), Pem.certificate(cert));
      Files.writeString(data.resolve("ca.crt"), caPem);
      Files.writeString(data.resolve("crl.pem"), crl);
      ids.put(name, request.nodeId().hex());
    }
    return ids;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

}
