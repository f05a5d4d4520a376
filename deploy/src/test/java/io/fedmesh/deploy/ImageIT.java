package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image as an operator runs it: podman with runc, the root filesystem read-only, a tmpfs on /tmp, the config and
 * identity mounted read-only, the data directory on a volume, as the non-root user the image names.
 */
class ImageIT {
  /** The image's user (deploy/image/build-base.sh). */
  private static final String USER = "65532";

  @TempDir
  static Path dir;
  private static Path etc;
  private static Path data;
  private static int grpcPort;
  private static int metricsPort;
  private static final List<String> containers = new ArrayList<>();

  /** A CA and a node identity made by the binary itself, a node config, and the mounts a container gets. */
  @BeforeAll
  static void identityAndConfig() throws Exception {
    long start = System.nanoTime();
    Podman.image();
    etc = dir.resolve("etc");
    data = dir.resolve("data");
    Files.createDirectories(etc);
    Files.createDirectories(data);
    fedmesh("ca", "init", "--out", dir.resolve("ca").toString());
    fedmesh("keys", "init", "--out", etc.resolve("tls").toString(), "--ip", "127.0.0.1");
    fedmesh("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", etc.resolve("tls/node.csr").toString(),
        "--out", etc.resolve("tls/node.crt").toString(), "--yes");
    Files.copy(dir.resolve("ca/ca.crt"), etc.resolve("tls/ca.crt"));
    Files.copy(dir.resolve("ca/crl.pem"), etc.resolve("tls/crl.pem"));
    grpcPort = freePort();
    metricsPort = freePort();
    Files.writeString(etc.resolve("node.yaml"), String.join("\n",
        "data_dir: /var/lib/fedmesh",
        "listen: 127.0.0.1:" + grpcPort,
        "metrics_listen: 127.0.0.1:" + metricsPort,
        "tls: {key: /etc/fedmesh/tls/node.key, certificate: /etc/fedmesh/tls/node.crt, ca: /etc/fedmesh/tls/ca.crt, "
            + "crl: /etc/fedmesh/tls/crl.pem}",
        ""));
    // The container's user must read its key (a Kubernetes Secret does this with fsGroup) and own its data directory.
    chown(etc);
    chown(data);
    Timings.note("identity and config", start);
  }

  @AfterAll
  static void removeContainers() throws Exception {
    for (String container : containers) {
      Podman.podman(60, List.of("rm", "--force", "--time", "5", container));
    }
    // Each build loads a new image (600 MB unpacked): remove this one, by its id only, so that repeated builds do not
    // fill podman's storage. `podman load -i target/image/fedmesh-image.tar` brings it back.
    Podman.podman(120, List.of("image", "rm", "--force", Podman.image()));
  }

  private static void fedmesh(String... args) {
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    assertThat(code).as(String.join(" ", args) + ": " + err).isZero();
  }

  private static void chown(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        Files.setAttribute(p, "unix:uid", Integer.parseInt(USER));
        Files.setAttribute(p, "unix:gid", Integer.parseInt(USER));
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The locked-down form an operator is told to use (deploy/image/README.md). */
  private static List<String> hardened() {
    return List.of("--read-only", "--tmpfs", "/tmp:rw,size=64m,mode=1777", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--volume", etc + ":/etc/fedmesh:ro", "--volume", data + ":/var/lib/fedmesh:rw");
  }

  @Test
  void versionNamesTheBuild() throws Exception {
    long start = System.nanoTime();
    Podman.Result version = Podman.run(120, List.of("--read-only", "--network", "none"), "--version");
    Timings.note("run --version", start);
    assertThat(version.code()).as(version.all()).isZero();
    assertThat(version.out()).startsWith("fedmesh 0.").contains("Java 17");
  }

  @Test
  void theImageRunsTheNodeAsANonRootUserWithoutAShell() throws Exception {
    Podman.Result inspect = Podman.podman(60, List.of("image", "inspect", "--format",
        "{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{json .Config.Volumes}}", Podman.image()));
    assertThat(inspect.code()).as(inspect.all()).isZero();
    String[] parts = inspect.out().strip().split("\\|");
    assertThat(parts[0]).isEqualTo(USER + ":" + USER);
    assertThat(parts[1]).startsWith("[\"java\"").contains("io.fedmesh.node.cli.FedmeshMain", "-Dai.djl.offline=true");
    assertThat(parts[2]).isEqualTo("[\"node\",\"--config\",\"/etc/fedmesh/node.yaml\"]");
    assertThat(parts[3]).contains("/var/lib/fedmesh");
    for (String shell : new String[] {"/bin/sh", "/bin/bash", "/usr/bin/sh", "/bin/dash", "/usr/bin/env"}) {
      List<String> options = new ArrayList<>(List.of("--network", "none", "--entrypoint", shell));
      Podman.Result result = Podman.run(60, options, "-c", "true");
      assertThat(result.code()).as(shell + " must not exist in the image: " + result.all()).isNotZero();
    }
  }

  @Test
  void selftestPassesWithTheMountedConfigAndIdentityOnAReadOnlyRoot() throws Exception {
    long start = System.nanoTime();
    List<String> options = new ArrayList<>(hardened());
    options.addAll(List.of("--network", "none"));
    Podman.Result selftest = Podman.run(180, options, "selftest", "--config", "/etc/fedmesh/node.yaml");
    Timings.note("run selftest", start);
    assertThat(selftest.code()).as(selftest.all()).isZero();
    List<String> lines = selftest.out().lines().toList();
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("OK +tls +BoringSSL.*TLS 1\\.3"));
    // libtorch comes from the image, extracted at build time: nothing unpacked, no network.
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("OK +pytorch +PyTorch 2\\..*offline.*libtorch in /opt/djl/pytorch/.*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("OK +config +/etc/fedmesh/node.yaml"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("OK +data-dir +/var/lib/fedmesh is writable.*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("OK +identity +node .*key fits certificate.*not revoked.*"));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("selftest: 5 check(s) passed");
  }

  @Test
  void selftestRefusesAnIdentityWhoseKeyIsNotTheCertificates() throws Exception {
    Path other = dir.resolve("other");
    fedmesh("keys", "init", "--out", other.toString());
    Path etc2 = dir.resolve("etc2");
    Files.createDirectories(etc2.resolve("tls"));
    for (String file : new String[] {"node.yaml", "tls/node.crt", "tls/ca.crt", "tls/crl.pem"}) {
      Files.copy(etc.resolve(file), etc2.resolve(file));
    }
    Files.copy(other.resolve("node.key"), etc2.resolve("tls/node.key"));
    chown(etc2);
    Podman.Result selftest = Podman.run(180, List.of("--read-only", "--tmpfs", "/tmp", "--network", "none",
        "--volume", etc2 + ":/etc/fedmesh:ro", "--volume", data + ":/var/lib/fedmesh"), "selftest", "--config", "/etc/fedmesh/node.yaml");
    assertThat(selftest.code()).as(selftest.all()).isEqualTo(1);
    assertThat(selftest.out()).containsPattern("FAIL +identity +key /etc/fedmesh/tls/node.key is node .* they are not a pair");
    assertThat(selftest.err()).contains("fedmesh: selftest: 1 check(s) failed: identity");
  }

  @Test
  void aContainerNodeOnTheHostNetworkIsScrapedByPrometheus() throws Exception {
    long start = System.nanoTime();
    List<String> command = new ArrayList<>(Podman.RUN);
    command.addAll(List.of("--detach", "--network", "host"));
    command.addAll(hardened());
    command.add(Podman.image());
    Podman.Result started = Podman.podman(120, command);
    assertThat(started.code()).as(started.all()).isZero();
    String container = started.out().strip();
    containers.add(container);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String metrics = poll(http, "http://127.0.0.1:" + metricsPort + "/metrics", body -> body.contains("fedmesh_"), 90, container);
    Timings.note("container node serving /metrics", start);
    assertThat(metrics).contains("fedmesh_");

    Path prometheusDir = dir.resolve("prometheus");
    Files.createDirectories(prometheusDir);
    int prometheusPort = freePort();
    Files.writeString(prometheusDir.resolve("prometheus.yml"), String.join("\n",
        "global: {scrape_interval: 1s, evaluation_interval: 1s}",
        "scrape_configs:",
        "  - job_name: fedmesh",
        "    static_configs: [{targets: ['127.0.0.1:" + metricsPort + "']}]",
        ""));
    Process prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + prometheusDir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + prometheusDir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
        .redirectErrorStream(true).redirectOutput(prometheusDir.resolve("prometheus.log").toFile()).start();
    try {
      String api = "http://127.0.0.1:" + prometheusPort + "/api/v1/";
      String targets = poll(http, api + "targets", body -> body.contains("\"health\":\"up\""), 60, container);
      assertThat(targets).contains("127.0.0.1:" + metricsPort);
      String query = api + "query?query=" + java.net.URLEncoder.encode("count({job=\"fedmesh\",__name__=~\"fedmesh_.+\"})",
          java.nio.charset.StandardCharsets.UTF_8);
      String result = poll(http, query, body -> body.contains("\"result\":[{"), 30, container);
      assertThat(result).contains("\"status\":\"success\"");
      Timings.note("container node scraped by Prometheus", start);
    } finally {
      prometheus.destroy();
      prometheus.waitFor();
    }

    // A clean stop on SIGTERM, within the grace an orchestrator gives.
    Podman.Result stop = Podman.podman(60, List.of("stop", "--time", "20", container));
    assertThat(stop.code()).as(stop.all()).isZero();
    Podman.Result exit = Podman.podman(30, List.of("inspect", "--format", "{{.State.ExitCode}}", container));
    Podman.Result logs = Podman.podman(30, List.of("logs", container));
    assertThat(logs.all()).contains("listening on port " + grpcPort);
    assertThat(exit.out().strip()).as(logs.all()).isIn("0", "143");
  }

  private static String poll(HttpClient http, String url, java.util.function.Predicate<String> done, int seconds, String container)
      throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        last = response.body();
        if (response.statusCode() == 200 && done.test(last)) {
          return last;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    Podman.Result logs = Podman.podman(30, List.of("logs", container));
    throw new AssertionError(url + " not ready after " + seconds + " s; last answer: " + last + "\ncontainer log:\n" + logs.all());
  }
}
