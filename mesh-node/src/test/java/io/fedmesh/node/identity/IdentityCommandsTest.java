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

  private void sign(String node, String out) {
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve(node + "/node.csr").toString(),
        "--out", dir.resolve(out).toString(), "--yes", "--force")).as(err.toString()).isZero();
  }

  private X509CRL crl() throws Exception {
    return Pem.readRevocationList(Files.readString(dir.resolve("ca/crl.pem")));
  }

  @Test
  void theCaKeepsAnIndexSoALostCertificateCanStillBeRevokedBySerialOrNodeId() throws Exception {
    run("ca", "init", "--out", dir.resolve("ca").toString());
    String n1 = nodeKeys("n1");
    String n2 = nodeKeys("n2");
    sign("n1", "n1/node.crt");
    sign("n1", "n1/renewed.crt");
    sign("n2", "n2/node.crt");
    X509Certificate first = Pem.readCertificate(Files.readString(dir.resolve("n1/node.crt")));
    X509Certificate renewed = Pem.readCertificate(Files.readString(dir.resolve("n1/renewed.crt")));
    X509Certificate other = Pem.readCertificate(Files.readString(dir.resolve("n2/node.crt")));
    Files.delete(dir.resolve("n1/node.crt"));
    Files.delete(dir.resolve("n1/renewed.crt"));
    Files.delete(dir.resolve("n2/node.crt"));

    assertThat(run("ca", "list", "--ca", dir.resolve("ca").toString())).as(err.toString()).isZero();
    java.util.List<String> table = out.toString().lines().toList();
    assertThat(table).hasSize(4);
    assertThat(table.get(0)).startsWith("SERIAL").contains("NODE ID", "NOT BEFORE", "NOT AFTER", "STATE", "NAMES");
    assertThat(table.get(1)).startsWith(first.getSerialNumber().toString(16)).contains(n1, "valid", "n1.bank.example,127.0.0.1",
        first.getNotAfter().toInstant().toString());
    assertThat(table.get(3)).startsWith(other.getSerialNumber().toString(16)).contains(n2);

    // Both of n1's certificates, by its id alone.
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--node-id", n1.toUpperCase())).as(err.toString()).isZero();
    assertThat(out.toString()).contains(first.getSerialNumber().toString(16), renewed.getSerialNumber().toString(16));
    assertThat(crl().isRevoked(first)).isTrue();
    assertThat(crl().isRevoked(renewed)).isTrue();
    assertThat(crl().isRevoked(other)).isFalse();
    assertThat(NodeCertificates.revocationListNumber(crl())).isEqualTo(2);

    // n2's by its serial, written as OpenSSL prints it.
    String serial = other.getSerialNumber().toString(16);
    String colons = String.join(":", serial.split("(?<=\\G..)"));
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--serial", colons)).as(err.toString()).isZero();
    assertThat(crl().isRevoked(other)).isTrue();
    assertThat(run("ca", "list", "--ca", dir.resolve("ca").toString())).isZero();
    assertThat(out.toString().lines().skip(1)).allSatisfy(l -> assertThat(l).contains("revoked 20"));

    // Unknown serial or id: exit 1, one line, the list untouched; malformed ones or two at once: exit 2.
    String before = Files.readString(dir.resolve("ca/crl.pem"));
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--serial", "abc123")).isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString().contains("serial abc123 is not in").contains("issued.tsv");
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--node-id", "ab".repeat(32))).isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString().contains("has no certificate in");
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--serial", "xyz")).isEqualTo(2);
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--node-id", "abc")).isEqualTo(2);
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--node-id", n1, "--serial", serial)).isEqualTo(2);
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString())).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("ca/crl.pem"))).isEqualTo(before);
  }

  @Test
  void aCertificateIsRecordedBeforeItIsWrittenOut() throws Exception {
    run("ca", "init", "--out", dir.resolve("ca").toString());
    String n1 = nodeKeys("n1");
    Files.writeString(dir.resolve("not-a-dir"), "x");

    // Writing the certificate fails (its directory is a file): the index still has it, so it can be revoked.
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve("n1/node.csr").toString(),
        "--out", dir.resolve("not-a-dir/node.crt").toString(), "--yes")).isEqualTo(1);
    assertThat(run("ca", "list", "--ca", dir.resolve("ca").toString())).isZero();
    assertThat(out.toString().lines()).hasSize(2).last().asString().contains(n1, "valid");
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--node-id", n1)).as(err.toString()).isZero();
    assertThat(crl().getRevokedCertificates()).hasSize(1);
  }

  @Test
  void caCrlReissuesTheSameEntriesAboveTheHighestNumberEverSigned() throws Exception {
    Path ca = dir.resolve("ca");
    run("ca", "init", "--out", ca.toString());
    nodeKeys("n1");
    sign("n1", "n1/node.crt");
    run("ca", "revoke", "--ca", ca.toString(), "--cert", dir.resolve("n1/node.crt").toString());
    X509CRL before = crl();
    assertThat(Files.readString(ca.resolve("crlnumber"))).isEqualTo("2\n");

    assertThat(run("ca", "crl", "--ca", ca.toString())).as(err.toString()).isZero();
    X509CRL after = crl();
    assertThat(NodeCertificates.revocationListNumber(after)).isEqualTo(3);
    assertThat(Files.readString(ca.resolve("crlnumber"))).isEqualTo("3\n");
    assertThat(out.toString()).contains("list number 3", "next update " + after.getNextUpdate().toInstant());
    assertThat(after.getRevokedCertificates()).hasSize(1);
    X509Certificate n1 = Pem.readCertificate(Files.readString(dir.resolve("n1/node.crt")));
    assertThat(after.getRevokedCertificate(n1.getSerialNumber()).getRevocationDate())
        .isEqualTo(before.getRevokedCertificate(n1.getSerialNumber()).getRevocationDate());
    assertThat(after.getNextUpdate()).isAfterOrEqualTo(before.getNextUpdate());
    assertThat(run("ca", "crl", "--help")).isZero();
    assertThat(out.toString()).contains("before the list's next update", "cron");

    // A crl.pem put back from an older copy: `ca crl` would re-sign it without later revocations.
    String current = Files.readString(ca.resolve("crl.pem"));
    Files.writeString(ca.resolve("crl.pem"), Pem.revocationList(before));
    assertThat(run("ca", "crl", "--ca", ca.toString())).isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString()
        .contains("list number 2", "already signed list number 3", "restored", "--accept-restored-list");
    assertThat(Files.readString(ca.resolve("crl.pem"))).isEqualTo(Pem.revocationList(before));
    assertThat(Files.readString(ca.resolve("crlnumber"))).isEqualTo("3\n");
    assertThat(run("ca", "crl", "--ca", ca.toString(), "--accept-restored-list")).as(err.toString()).isZero();
    assertThat(NodeCertificates.revocationListNumber(crl())).isEqualTo(4);
    assertThat(current).isNotEqualTo(Files.readString(ca.resolve("crl.pem")));

    // A CA from before the record: numbering carries on from crl.pem, and the record starts.
    Files.delete(ca.resolve("crlnumber"));
    assertThat(run("ca", "crl", "--ca", ca.toString())).as(err.toString()).isZero();
    assertThat(Files.readString(ca.resolve("crlnumber"))).isEqualTo("5\n");

    // A record that cannot be read is never guessed past.
    Files.writeString(ca.resolve("crlnumber"), "five\n");
    String list = Files.readString(ca.resolve("crl.pem"));
    assertThat(run("ca", "crl", "--ca", ca.toString())).isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString().contains(ca.resolve("crlnumber").toString(), "not a revocation list number");
    assertThat(run("ca", "revoke", "--ca", ca.toString(), "--cert", dir.resolve("n1/node.crt").toString())).isEqualTo(1);
    assertThat(Files.readString(ca.resolve("crl.pem"))).isEqualTo(list);
  }

  @Test
  void forceNeverDestroysACaKeyNorRestartsRevocationNumbers() throws Exception {
    Path ca = dir.resolve("ca");
    run("ca", "init", "--out", ca.toString());
    nodeKeys("n1");
    sign("n1", "n1/node.crt");
    run("ca", "revoke", "--ca", ca.toString(), "--cert", dir.resolve("n1/node.crt").toString());
    assertThat(NodeCertificates.revocationListNumber(crl())).isEqualTo(2);
    String key = Files.readString(ca.resolve("ca.key"));
    String oldCa = Files.readString(ca.resolve("ca.crt"));

    assertThat(run("ca", "init", "--out", ca.toString(), "--force")).isEqualTo(2);
    assertThat(err.toString().lines()).singleElement().asString()
        .contains("--force will not destroy the CA key", "move it aside first", "mv " + ca.resolve("ca.key"));
    assertThat(Files.readString(ca.resolve("ca.key"))).isEqualTo(key);
    assertThat(Files.readString(ca.resolve("ca.crt"))).isEqualTo(oldCa);

    Files.move(ca.resolve("ca.key"), dir.resolve("old-ca.key"));
    assertThat(run("ca", "init", "--out", ca.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("no key: --force starts a new CA");
    assertThat(run("ca", "init", "--out", ca.toString(), "--force")).as(err.toString()).isZero();
    String retired = out.toString().lines().findFirst().orElseThrow();
    assertThat(retired).contains(ca.resolve("retired-").toString());
    Path retiredDir = Path.of(retired.substring(retired.indexOf(ca.toString())));
    assertThat(Files.readString(retiredDir.resolve("ca.crt"))).isEqualTo(oldCa);
    assertThat(retiredDir.resolve("issued.tsv")).exists();
    assertThat(Files.readString(ca.resolve("ca.crt"))).isNotEqualTo(oldCa);
    assertThat(NodeCertificates.revocationListNumber(crl())).isEqualTo(3);
    assertThat(run("ca", "list", "--ca", ca.toString())).isZero();
    assertThat(out.toString()).startsWith("no certificates recorded");

    // Again, with the new key moved aside too: numbering carries on from every list the directory held.
    Files.move(ca.resolve("ca.key"), dir.resolve("second-ca.key"));
    assertThat(run("ca", "init", "--out", ca.toString(), "--force")).as(err.toString()).isZero();
    assertThat(NodeCertificates.revocationListNumber(crl())).isEqualTo(4);
  }
}
