package io.fedmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.InvalidCertificateException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fedmesh keys init` and `fedmesh ca init|sign|revoke` on real files, checked by our code and by OpenSSL. */
class IdentityCommandsTest {
  @TempDir
  Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private String nodeKeys(String name) {
    assertThat(run("keys", "init", "--out", dir.resolve(name).toString(), "--dns", name + ".bank.example", "--ip", "127.0.0.1"))
        .as(err.toString()).isZero();
    return out.toString().strip();
  }

  @Test
  void aNodeMakesItsOwnKeyAndTheCaSignsItsRequestWithoutSeeingTheKey() throws Exception {
    assertThat(run("ca", "init", "--out", dir.resolve("ca").toString())).as(err.toString()).isZero();
    String id = nodeKeys("n1");

    assertThat(id).matches("[0-9a-f]{64}");
    assertThat(Files.getPosixFilePermissions(dir.resolve("n1/node.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca/ca.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(NodeId.ofSubjectPublicKeyInfo(Pem.readPrivateKey(Files.readString(dir.resolve("n1/node.key")))
        .verifyingKey().subjectPublicKeyInfo()).hex()).isEqualTo(id);

    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve("n1/node.csr").toString(),
        "--out", dir.resolve("n1/node.crt").toString(), "--yes")).as(err.toString()).isZero();
    assertThat(err.toString()).contains("node id   " + id, "DNS names n1.bank.example", "addresses 127.0.0.1");
    X509Certificate cert = Pem.readCertificate(Files.readString(dir.resolve("n1/node.crt")));
    X509Certificate ca = Pem.readCertificate(Files.readString(dir.resolve("ca/ca.crt")));
    NodeCertificates.verifyIssuedBy(cert, ca, Instant.now());
    assertThat(NodeCertificates.verifiedNodeId(cert).hex()).isEqualTo(id);
    NodeCertificates.checkNotRevoked(cert, Pem.readRevocationList(Files.readString(dir.resolve("ca/crl.pem"))), ca);
  }

  @Test
  void revokingPutsTheSerialOnASignedListThatOpenSslAlsoHonours() throws Exception {
    run("ca", "init", "--out", dir.resolve("ca").toString());
    nodeKeys("n1");
    nodeKeys("n2");
    for (String n : new String[] {"n1", "n2"}) {
      run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve(n + "/node.csr").toString(),
          "--out", dir.resolve(n + "/node.crt").toString(), "--yes");
    }
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n1/node.crt").toString()))
        .as(err.toString()).isZero();
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n1/node.crt").toString())).isZero();
    assertThat(out.toString()).startsWith("already revoked");

    X509Certificate ca = Pem.readCertificate(Files.readString(dir.resolve("ca/ca.crt")));
    X509CRL crl = Pem.readRevocationList(Files.readString(dir.resolve("ca/crl.pem")));
    X509Certificate n1 = Pem.readCertificate(Files.readString(dir.resolve("n1/node.crt")));
    X509Certificate n2 = Pem.readCertificate(Files.readString(dir.resolve("n2/node.crt")));
    assertThatThrownBy(() -> NodeCertificates.checkNotRevoked(n1, crl, ca)).isInstanceOf(InvalidCertificateException.class)
        .hasMessageContaining("is revoked");
    NodeCertificates.checkNotRevoked(n2, crl, ca);

    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
    assertThat(openssl(dir.resolve("n1/node.crt"))).contains("certificate revoked");
    assertThat(openssl(dir.resolve("n2/node.crt"))).contains(": OK");
  }

  private String openssl(Path cert) throws Exception {
    Process p = new ProcessBuilder("openssl", "verify", "-crl_check", "-CRLfile", dir.resolve("ca/crl.pem").toString(),
        "-CAfile", dir.resolve("ca/ca.crt").toString(), cert.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes());
  }

  @Test
  void nothingIsOverwrittenAndBadInputGetsOneLine() throws Exception {
    run("ca", "init", "--out", dir.resolve("ca").toString());
    nodeKeys("n1");
    String key = Files.readString(dir.resolve("n1/node.key"));

    assertThat(run("keys", "init", "--out", dir.resolve("n1").toString())).isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString().contains("node.key exists");
    assertThat(Files.readString(dir.resolve("n1/node.key"))).isEqualTo(key);
    assertThat(run("ca", "init", "--out", dir.resolve("ca").toString())).isEqualTo(1);

    assertThat(run("keys", "init", "--out", dir.resolve("n2").toString(), "--ip", "not-an-ip")).isEqualTo(2);
    assertThat(err.toString()).startsWith("fedmesh: not an IP address literal");
    assertThat(run("keys", "init", "--out", dir.resolve("n3").toString(), "--dns", "*.wild.example")).isEqualTo(2);

    // No --yes and no terminal to ask on: nothing is signed.
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve("n1/node.csr").toString(),
        "--out", dir.resolve("n1/node.crt").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("not signed");
    assertThat(dir.resolve("n1/node.crt")).doesNotExist();

    // A tampered request, a missing one, and a certificate from another CA.
    String csr = Files.readString(dir.resolve("n1/node.csr"));
    Path tampered = Files.writeString(dir.resolve("bad.csr"), csr.replace(csr.substring(80, 84), "AAAA"));
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", tampered.toString(),
        "--out", dir.resolve("x.crt").toString(), "--yes")).isEqualTo(1);
    assertThat(err.toString().lines().filter(l -> l.startsWith("fedmesh:"))).singleElement().asString().contains("bad.csr");
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve("none.csr").toString(),
        "--out", dir.resolve("x.crt").toString(), "--yes")).isEqualTo(1);
    assertThat(err.toString()).contains("none.csr: no such file");
    run("ca", "init", "--out", dir.resolve("other").toString());
    run("ca", "sign", "--ca", dir.resolve("other").toString(), "--csr", dir.resolve("n1/node.csr").toString(),
        "--out", dir.resolve("foreign.crt").toString(), "--yes");
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("foreign.crt").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("foreign.crt").contains("is not signed by");
  }
}
