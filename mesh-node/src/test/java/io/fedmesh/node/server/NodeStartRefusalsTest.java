package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.node.config.NodeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot serve refuses to start, and says which file or field is wrong. */
class NodeStartRefusalsTest {
  @TempDir
  Path dir;

  Path config(TestMesh mesh, TestMesh.Identity who, String listen) throws IOException {
    return Files.writeString(dir.resolve(who.dir().getFileName() + ".yaml"), "data_dir: " + who.dir() + "\nlisten: " + listen
        + "\nmetrics_listen: 127.0.0.1:0\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n");
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    TestMesh.Identity a = mesh.node("a", Duration.ofDays(30));
    TestMesh.Identity b = mesh.node("b", Duration.ofDays(30));
    Files.copy(b.key(), a.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> NodeServer.start(NodeConfig.load(config(mesh, a, "127.0.0.1:0")), Clock.systemUTC()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(a.key().toString())
        .hasMessageContaining("does not belong to the certificate");
  }

  @Test
  void aTakenListenPortIsNamedAsTheListenField() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    TestMesh.Identity a = mesh.node("a", Duration.ofDays(30));
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String listen = "127.0.0.1:" + taken.getLocalPort();
      assertThatThrownBy(() -> NodeServer.start(NodeConfig.load(config(mesh, a, listen)), Clock.systemUTC()))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("listen " + listen + ": Failed to bind to address");
    }
    // The same config starts once the port is free.
    try (NodeServer node = NodeServer.start(NodeConfig.load(config(mesh, a, "127.0.0.1:0")), Clock.systemUTC())) {
      assertThat(node.port()).isPositive();
    }
  }

  @Test
  void aPrivateLayerThatNamesNoParameterIsRefusedAtStartNamingTheModelsLayers() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    TestMesh.Identity c = mesh.node("c", Duration.ofDays(30));
    TestMesh.Identity p = mesh.node("p", Duration.ofDays(30));
    String yaml = "federations:\n  fed:\n    members:\n      " + c.id().hex() + ": [coordinator-eligible, admin]\n      "
        + p.id().hex() + ": [participant]\n    rounds:\n      coordinator: " + c.id().hex() + "\n      model: mlp:4\n"
        + "      input_shape: [12]\n      classes: 2\n      personalisation: {private_layers: [head]}\n"
        + "participant:\n  fed:\n    data: {synthetic: {institution: 0, institutions: 2, rows: 50, seed: 1}}\n";
    Path config = Files.writeString(config(mesh, p, "127.0.0.1:0"), Files.readString(config(mesh, p, "127.0.0.1:0")) + yaml);
    assertThatThrownBy(() -> NodeServer.start(NodeConfig.load(config), Clock.systemUTC()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("federations.fed.rounds.personalisation: private layer 'head' names no parameter")
        .hasMessageContaining("04Linear_weight");
  }
}
