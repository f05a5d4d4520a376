package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.proto.v1.NodeGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tools that share no code with FedMesh judge a node: Python's grpcio (Debian python3-grpcio) calls
 * its health service over mutual TLS, and promtool (Debian prometheus) checks its metrics. CI
 * installs both; elsewhere the tests are skipped, saying what is missing.
 */
class IndependentToolsTest {
  private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  @TempDir
  Path dir;
  private TestMesh mesh;
  private TestMesh.Identity client;
  private NodeServer node;

  @BeforeEach
  void start() throws Exception {
    mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    TestMesh.Identity server = mesh.node("server");
    client = mesh.node("client");
    Path config = Files.writeString(dir.resolve("node.yaml"), "data_dir: " + server.dir()
        + "\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n"
        + "federations:\n  card-fraud:\n    members:\n      " + client.id().hex() + ": [participant]\n");
    node = NodeServer.start(NodeConfig.load(config), java.time.Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static String run(List<String> command, String stdin) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return "exit " + p.exitValue() + "\n" + out;
  }

  @Test
  void pythonGrpcioChecksHealthOverMutualTls() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(SYSTEM_PYTHON)
        && run(List.of(SYSTEM_PYTHON.toString(), "-c", "import grpc"), null).startsWith("exit 0"),
        "Debian's python3-grpcio is not installed");
    Path script = Path.of(System.getProperty("user.dir"), "src/test/python/health_check.py");
    String out = run(List.of(SYSTEM_PYTHON.toString(), script.toString(), "127.0.0.1:" + node.port(),
        mesh.dir.resolve("ca.crt").toString(), client.cert().toString(), client.key().toString(), NodeGrpc.SERVICE_NAME), null);
    assertThat(out).isEqualTo("exit 0\n1\n"); // 1 = SERVING

    // A certificate from another CA gets in at TLS but is refused with the reason, in Python too.
    TestMesh other = new TestMesh(dir.resolve("other"), "FedMesh consortium CA");
    TestMesh.Identity stranger = other.node("stranger");
    String refused = run(List.of(SYSTEM_PYTHON.toString(), script.toString(), "127.0.0.1:" + node.port(),
        mesh.dir.resolve("ca.crt").toString(), stranger.cert().toString(), stranger.key().toString(), ""), null);
    assertThat(refused).startsWith("exit 0\nerror UNAUTHENTICATED unknown_ca");
  }

  @Test
  void promtoolFindsNothingWrongWithTheMetrics() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), "promtool (Debian prometheus) is not installed");
    String out = run(List.of(PROMTOOL.toString(), "check", "metrics"), node.metrics().scrape());
    assertThat(out).isEqualTo("exit 0\n");
  }
}
