package io.fedmesh.node.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fedmesh.node.metrics.MetricsHttpServer;
import io.fedmesh.node.metrics.NodeMetrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedmesh demo --prometheus}'s Prometheus: found or not, its config, and a real one scraping a node's metrics endpoint. */
class DemoPrometheusTest {
  @Test
  void withoutPrometheusTheDemoSaysHowToInstallIt(@TempDir Path tmp) throws Exception {
    assertThat(DemoPrometheus.find(tmp.resolve("no-such-prometheus"), tmp.toString())).isEmpty();
    Path fake = Files.createDirectories(tmp.resolve("bin")).resolve("prometheus");
    Files.writeString(fake, "#!/bin/sh\n");
    fake.toFile().setExecutable(true);
    assertThat(DemoPrometheus.find(tmp.resolve("no-such-prometheus"), "/nonexistent:" + tmp.resolve("bin"))).contains(fake);
    assertThat(DemoPrometheus.NOT_INSTALLED).doesNotContain("\n").contains("apt-get install prometheus").contains("--prometheus");
  }

  @Test
  void theConfigAndTargetsNameEveryNode() {
    List<DemoPrometheus.Target> targets = List.of(new DemoPrometheus.Target("coordinator", 9401, Map.of("reachable", "true")),
        new DemoPrometheus.Target("participant-1", 9402, Map.of("reachable", "false")));
    assertThat(DemoPrometheus.config(targets, Duration.ofSeconds(1), List.of("/r/*.yml")))
        .contains("scrape_interval: 1s", "- '/r/*.yml'", "job_name: fedmesh", "['127.0.0.1:9401']", "{node: 'participant-1', reachable: 'false'}");
    assertThat(DemoPrometheus.targetsJson(targets)).isEqualTo("""
        [
          {"targets": ["127.0.0.1:9401"], "labels": {"node": "coordinator", "reachable": "true"}},
          {"targets": ["127.0.0.1:9402"], "labels": {"node": "participant-1", "reachable": "false"}}
        ]
        """);
  }

  /** A real Prometheus (Debian's prometheus package; skipped without it) scrapes a real metrics endpoint, then stops. */
  @Test
  void aRealPrometheusScrapesTheNodesAndStops(@TempDir Path tmp) throws Exception {
    var executable = DemoPrometheus.find();
    assumeTrue(executable.isPresent(), "prometheus is not installed (Debian package prometheus)");
    try (NodeMetrics metrics = new NodeMetrics();
        MetricsHttpServer server = new MetricsHttpServer(new InetSocketAddress("127.0.0.1", 0), metrics)) {
      DemoPrometheus p = DemoPrometheus.start(executable.get(), tmp, List.of(new DemoPrometheus.Target("coordinator", server.port(),
          Map.of())), Duration.ofSeconds(1), List.of());
      Process process = p.process();
      try (p) {
        assertThat(p.url()).matches("http://127\\.0\\.0\\.1:\\d+/");
        HttpClient http = HttpClient.newHttpClient();
        String body = "";
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end && !body.contains("\"value\":[")) {
          body = http.send(HttpRequest.newBuilder(URI.create(p.url() + "api/v1/query?query=fedmesh_limits_reached_total%7Bnode%3D%22coordinator%22%7D"))
              .build(), HttpResponse.BodyHandlers.ofString()).body();
          Thread.sleep(200);
        }
        assertThat(body).contains("\"job\":\"fedmesh\"", "\"node\":\"coordinator\"", "\"limit\":\"gossip_rate\"");
      }
      assertThat(process.isAlive()).isFalse();
    }
  }
}
