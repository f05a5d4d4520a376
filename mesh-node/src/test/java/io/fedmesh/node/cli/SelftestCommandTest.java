package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fedmesh selftest` on real identity files made by `fedmesh ca` and `fedmesh keys`, good and broken. */
class SelftestCommandTest {
  @TempDir
  Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path node;
  private Path config;

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  /** A CA, a node "n1" with its signed certificate, the CA's certificate and revocation list, and a config. */
  @BeforeEach
  void identity() throws Exception {
    assertThat(run("ca", "init", "--out", dir.resolve("ca").toString())).as(err.toString()).isZero();
    node = dir.resolve("n1");
    makeNode(node);
    Files.copy(dir.resolve("ca/ca.crt"), node.resolve("ca.crt"));
    Files.copy(dir.resolve("ca/crl.pem"), node.resolve("crl.pem"));
    config = dir.resolve("node.yaml");
    Files.writeString(config, "data_dir: n1\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n");
  }

  private void makeNode(Path where) {
    assertThat(run("keys", "init", "--out", where.toString(), "--ip", "127.0.0.1")).as(err.toString()).isZero();
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", where.resolve("node.csr").toString(),
        "--out", where.resolve("node.crt").toString(), "--yes")).as(err.toString()).isZero();
  }

  private String line(String check) {
    return out.toString().lines().filter(l -> l.matches("(OK|FAIL|SKIP) +" + check + " .*")).findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + check + " in:\n" + out));
  }

  @Test
  void aGoodNodePassesEveryCheckOneLineEach() throws Exception {
    assertThat(run("selftest", "--config", config.toString())).as(out + "\n" + err).isZero();
    assertThat(out.toString().lines()).hasSize(6);
    assertThat(line("tls")).startsWith("OK").contains("BoringSSL", "TLS 1.3");
    assertThat(line("pytorch")).startsWith("OK").contains("PyTorch 2.", "offline");
    assertThat(line("config")).startsWith("OK").contains(config.toString());
    assertThat(line("data-dir")).startsWith("OK").contains(node.toString(), "writable");
    assertThat(line("identity")).startsWith("OK").contains("key fits certificate", "valid until", "not revoked");
    assertThat(out.toString()).endsWith("selftest: 5 check(s) passed" + System.lineSeparator());
    assertThat(err.toString()).isEmpty();
    try (var files = Files.list(node)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("the probe file is removed")
          .containsExactlyInAnyOrder("node.key", "node.csr", "node.crt", "ca.crt", "crl.pem");
    }
  }

  @Test
  void withoutAConfigOnlyTheRuntimeIsCheckedAndTheRestIsSkipped() {
    assertThat(run("selftest")).as(out + "\n" + err).isZero();
    assertThat(line("tls")).startsWith("OK");
    assertThat(line("pytorch")).startsWith("OK");
    assertThat(line("data-dir")).startsWith("SKIP").contains("no --config or --data-dir");
    assertThat(line("identity")).startsWith("SKIP");
  }

  @Test
  void aDataDirectoryAloneIsCheckedWithTheDefaultFileNames() {
    assertThat(run("selftest", "--data-dir", node.toString())).as(out + "\n" + err).isZero();
    assertThat(line("identity")).startsWith("OK");
  }

  @Test
  void aBrokenKeyIsRefused() throws Exception {
    String pem = Files.readString(node.resolve("node.key"));
    // Damage the base64 body: still PEM-shaped, no longer a key.
    int body = pem.indexOf('\n') + 1;
    Files.writeString(node.resolve("node.key"), pem.substring(0, body) + "AAAA" + pem.substring(body + 4));
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("identity")).startsWith("FAIL").contains("key " + node.resolve("node.key"));
    assertThat(line("tls")).startsWith("OK");
    assertThat(err.toString().lines()).containsExactly("fedmesh: selftest: 1 check(s) failed: identity");

    Files.writeString(node.resolve("node.key"), "not a key at all\n");
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("identity")).startsWith("FAIL").contains("key ");
  }

  @Test
  void anotherNodesKeyDoesNotFitTheCertificate() throws Exception {
    makeNode(dir.resolve("n2"));
    Files.copy(dir.resolve("n2/node.key"), node.resolve("node.key"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("identity")).startsWith("FAIL").contains("they are not a pair");
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() throws Exception {
    assertThat(run("ca", "init", "--out", dir.resolve("other-ca").toString())).isZero();
    Files.copy(dir.resolve("other-ca/ca.crt"), node.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
    Files.delete(node.resolve("crl.pem"));
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("identity")).startsWith("FAIL").contains("certificate " + node.resolve("node.crt"));
  }

  @Test
  void aRevokedCertificateIsRefused() throws Exception {
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", node.resolve("node.crt").toString()))
        .as(err.toString()).isZero();
    Files.copy(dir.resolve("ca/crl.pem"), node.resolve("crl.pem"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("identity")).startsWith("FAIL").contains("is revoked");
  }

  @Test
  void missingFilesAndAnUnusableDataDirectoryAreNamed() throws Exception {
    Files.delete(node.resolve("ca.crt"));
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("identity")).startsWith("FAIL").contains(node.resolve("ca.crt") + ": no such file");

    Path file = dir.resolve("a-file");
    Files.writeString(file, "x");
    assertThat(run("selftest", "--data-dir", file.toString())).isEqualTo(1);
    assertThat(line("data-dir")).startsWith("FAIL").contains("not a directory");
  }

  @Test
  void anInvalidConfigFailsAndSkipsWhatItWouldName() throws Exception {
    Files.writeString(config, "data_dir: n1\nlisten: nowhere\nsurprise: 1\n");
    assertThat(run("selftest", "--config", config.toString())).isEqualTo(1);
    assertThat(line("config")).startsWith("FAIL").contains("surprise");
    assertThat(line("identity")).startsWith("SKIP");
  }

  @Test
  void configAndDataDirTogetherAreAUsageError() {
    assertThat(run("selftest", "--config", config.toString(), "--data-dir", node.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("not both");
  }

  @Test
  void helpListsTheChecks() {
    assertThat(run("selftest", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: fedmesh selftest", "--config", "--data-dir", "BoringSSL", "PyTorch", "SKIP");
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).containsPattern("\\n +selftest +Checks that this machine or container can run a node");
  }
}
