package io.fedmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509CRL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RED TEAM: the CA's revocation list, driven through the real `fedmesh ca` commands. */
class CaRevocationListRedTeamTest {
  @TempDir
  Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private void signed(String name) {
    assertThat(run("keys", "init", "--out", dir.resolve(name).toString(), "--dns", name + ".bank.example")).as(err.toString()).isZero();
    assertThat(run("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", dir.resolve(name + "/node.csr").toString(),
        "--out", dir.resolve(name + "/node.crt").toString(), "--yes")).as(err.toString()).isZero();
  }

  private X509CRL crl() throws Exception {
    return Pem.readRevocationList(Files.readString(dir.resolve("ca/crl.pem")));
  }

  /**
   * The list is valid 30 days and, 24 h past that, every node refuses every new call; the docs say
   * "re-issue it before then". No command does: `ca revoke` of something already revoked writes nothing,
   * and there is no other command that signs a fresh list. A mesh that revokes nobody for 31 days stops.
   */
  @Test
  void theListCanBeReissuedWithoutRevokingAnyoneNew() throws Exception {
    assertThat(run("ca", "init", "--out", dir.resolve("ca").toString())).as(err.toString()).isZero();
    signed("n1");
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n1/node.crt").toString())).isZero();
    java.util.Date before = crl().getNextUpdate();
    Thread.sleep(1_100); // list times have one-second resolution
    // Everything an operator can run to "re-issue" the list:
    run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n1/node.crt").toString());
    run("ca", "list", "--ca", dir.resolve("ca").toString());
    run("ca", "crl", "--ca", dir.resolve("ca").toString());
    assertThat(crl().getNextUpdate()).as("the list's next update after trying to re-issue it (%s)", out).isAfter(before);
  }

  /**
   * The next list's number is the current crl.pem's plus one: the CA remembers no higher number. With
   * crl.pem put back from a backup (or overwritten by an older copy), the next revocation is signed with
   * a number nodes already hold or have passed: a node holding a higher one ignores it ("an older list
   * cannot replace..."), so the revocation silently never takes effect, while `ca revoke` said it did
   * and `ca list` shows it revoked. Two different lists also end up signed with one number.
   */
  @Test
  void aRevocationAfterCrlPemIsRestoredFromABackupIsNumberedAboveEveryListAlreadyPublished() throws Exception {
    assertThat(run("ca", "init", "--out", dir.resolve("ca").toString())).as(err.toString()).isZero();
    signed("n1");
    signed("n2");
    signed("n3");
    Path backup = Files.copy(dir.resolve("ca/crl.pem"), dir.resolve("crl.backup.pem"));
    run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n1/node.crt").toString());
    run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n2/node.crt").toString());
    BigInteger published = NodeCertificates.revocationListNumber(crl()); // what every node now holds
    Files.copy(backup, dir.resolve("ca/crl.pem"), StandardCopyOption.REPLACE_EXISTING);

    // The restored list lacks n1's and n2's revocations: signing it as is would quietly lift them, so the CA
    // refuses (one line, nothing written) until the operator says the restored list is what they want.
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n3/node.crt").toString()))
        .isEqualTo(1);
    assertThat(err.toString().lines()).singleElement().asString().contains("restored", "--accept-restored-list");
    assertThat(Files.readString(dir.resolve("ca/crl.pem"))).isEqualTo(Files.readString(backup));
    assertThat(run("ca", "revoke", "--ca", dir.resolve("ca").toString(), "--cert", dir.resolve("n3/node.crt").toString(),
        "--accept-restored-list")).as(err.toString()).isZero();
    System.out.println("published " + published + ", then after restoring crl.pem: " + NodeCertificates.revocationListNumber(crl())
        + "; ca revoke said: " + out);
    assertThat(NodeCertificates.revocationListNumber(crl())).as("the new list's number, which nodes must accept")
        .isGreaterThan(published);
  }
}
