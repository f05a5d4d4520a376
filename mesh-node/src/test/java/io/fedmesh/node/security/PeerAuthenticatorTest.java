package io.fedmesh.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which revocation lists a node takes: only the CA's, only current ones, never an older one. */
class PeerAuthenticatorTest {
  @TempDir
  Path dir;
  private final Instant now = Instant.now();

  private CertificateAuthority ca(long seed) {
    return CertificateAuthority.create("FedMesh consortium CA", SigningKey.generate(SimulationRandom.fromSeed(seed)),
        now.minus(Duration.ofDays(1)), Duration.ofDays(365), SimulationRandom.fromSeed(seed + 1));
  }

  private Path crl(CertificateAuthority ca, Map<BigInteger, Instant> revoked, long number, Instant nextUpdate) throws Exception {
    Path file = dir.resolve("crl.pem");
    Files.writeString(file, Pem.revocationList(ca.revocationList(revoked, BigInteger.valueOf(number), now.minusSeconds(60), nextUpdate)));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(number))); // a new mtime each time
    return file;
  }

  @Test
  void onlyTheCasCurrentAndNewestListIsTaken() throws Exception {
    CertificateAuthority ca = ca(1);
    X509Certificate node = ca.issue(NodeCertificateRequest.create(SigningKey.generate(SimulationRandom.fromSeed(5)), List.of(), List.of()),
        now.minusSeconds(60), Duration.ofDays(30), SimulationRandom.fromSeed(6));
    Certificate[] chain = {node};

    // Past its next update and the grace at start: refused. Within the grace: taken, and reported stale.
    Path stale = crl(ca, Map.of(), 1, now.minusSeconds(1));
    Clock dayLater = Clock.fixed(now.plus(PeerAuthenticator.DEFAULT_GRACE), ZoneOffset.UTC);
    assertThatThrownBy(() -> new PeerAuthenticator(ca.certificate(), stale, dayLater)).hasMessageContaining("expired");
    assertThat(new PeerAuthenticator(ca.certificate(), stale, Clock.systemUTC()).freshness()).isEqualTo(PeerAuthenticator.Freshness.STALE);

    Clock[] clock = {Clock.fixed(now, ZoneOffset.UTC)};
    Clock moving = new Clock() {
      @Override
      public Instant instant() {
        return clock[0].instant();
      }

      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
    Path file = crl(ca, Map.of(node.getSerialNumber(), now), 5, now.plus(Duration.ofDays(30)));
    PeerAuthenticator auth = new PeerAuthenticator(ca.certificate(), file, moving);
    assertThatThrownBy(() -> auth.authenticate(chain)).hasMessageContaining("is revoked");

    // An older list that no longer names the node, then another CA's list of the same name: both ignored.
    crl(ca, Map.of(), 4, now.plus(Duration.ofDays(30)));
    clock[0] = Clock.fixed(now.plusSeconds(2), ZoneOffset.UTC);
    assertThatThrownBy(() -> auth.authenticate(chain)).hasMessageContaining("is revoked");
    crl(ca(9), Map.of(), 50, now.plus(Duration.ofDays(30)));
    clock[0] = Clock.fixed(now.plusSeconds(4), ZoneOffset.UTC);
    assertThatThrownBy(() -> auth.authenticate(chain)).hasMessageContaining("is revoked");

    // A newer list from the CA that un-revokes it is taken.
    crl(ca, Map.of(), 6, now.plus(Duration.ofDays(30)));
    clock[0] = Clock.fixed(now.plusSeconds(6), ZoneOffset.UTC);
    assertThat(auth.authenticate(chain).id()).isNotNull();
  }
}
