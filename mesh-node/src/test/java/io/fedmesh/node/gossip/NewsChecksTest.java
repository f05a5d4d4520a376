package io.fedmesh.node.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.security.PeerAuthenticator;
import io.fedmesh.node.transport.TokenBuckets;
import io.fedmesh.proto.v1.MemberUpdate;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ALIVE news checks on a node: real certificates from a real CA, cached, and charged to whoever passes news on. */
class NewsChecksTest {
  @TempDir
  Path dir;

  private final Instant now = Instant.now();
  private final CertificateAuthority ca = CertificateAuthority.create("FedMesh consortium CA",
      SigningKey.generate(SimulationRandom.fromSeed(1)), now.minus(Duration.ofDays(1)), Duration.ofDays(365), SimulationRandom.fromSeed(2));
  private final NodeMetrics metrics = new NodeMetrics();

  private NewsChecks checks(int burst) throws Exception {
    Path crl = dir.resolve("crl.pem");
    Files.writeString(crl, Pem.revocationList(ca.revocationList(Map.of(), BigInteger.ONE, now.minusSeconds(60), now.plus(Duration.ofDays(30)))));
    return new NewsChecks(new PeerAuthenticator(ca.certificate(), crl, Clock.systemUTC()), new TokenBuckets(1, burst), metrics);
  }

  private byte[] certificate(SigningKey key, long seed) throws Exception {
    return ca.issue(NodeCertificateRequest.create(key, List.of(), List.of()), now.minusSeconds(60), Duration.ofDays(30),
        SimulationRandom.fromSeed(seed)).getEncoded();
  }

  private double counted(String series) {
    return metrics.scrape().lines().filter(l -> l.startsWith(series)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void newsIsAdmittedOnlyWithItsOwnCertificateAndRepeatedNewsIsAnsweredFromTheCache() throws Exception {
    NewsChecks checks = checks(100);
    SigningKey b = SigningKey.generate(SimulationRandom.fromSeed(10));
    SigningKey c = SigningKey.generate(SimulationRandom.fromSeed(11));
    NodeId from = c.verifyingKey().nodeId();
    byte[] bCert = certificate(b, 12);
    MemberUpdate alive = AliveUpdates.sign(b, 5, "127.0.0.1:1", bCert);
    assertThat(checks.admits(from, alive, 1000)).isTrue();
    assertThat(checks.admits(from, alive, 1001)).isTrue();
    // Another node's certificate on c's news: signed, but not admitted; and asked again, from the cache.
    MemberUpdate borrowed = AliveUpdates.sign(c, 1, "127.0.0.1:2", bCert);
    assertThat(checks.admits(from, borrowed, 1002)).isFalse();
    assertThat(checks.admits(from, borrowed, 1003)).isFalse();
    // A bad signature stays bad: cached for good.
    MemberUpdate forged = alive.toBuilder().setIncarnation(6).build();
    assertThat(checks.admits(from, forged, 1004)).isFalse();
    assertThat(checks.admits(from, forged, 5_000_000)).isFalse();
    assertThat(counted("fedmesh_gossip_news_checks_total{cached=\"true\"")).isEqualTo(3);
    assertThat(counted("fedmesh_gossip_news_checks_total{cached=\"false\"")).isEqualTo(3);
  }

  @Test
  void checksBeyondAPeersAllowanceAreRefusedAndCountedWhileOthersAreChecked() throws Exception {
    NewsChecks checks = checks(3);
    SigningKey b = SigningKey.generate(SimulationRandom.fromSeed(10));
    byte[] bCert = certificate(b, 12);
    NodeId flooder = SigningKey.generate(SimulationRandom.fromSeed(20)).verifyingKey().nodeId();
    NodeId honest = SigningKey.generate(SimulationRandom.fromSeed(21)).verifyingKey().nodeId();
    // Re-signed at rising incarnations, each a new signature to check: three pass, then the allowance is spent.
    for (int inc = 1; inc <= 3; inc++) {
      assertThat(checks.admits(flooder, AliveUpdates.sign(b, inc, "", bCert), 1000)).isTrue();
    }
    assertThat(checks.admits(flooder, AliveUpdates.sign(b, 4, "", bCert), 1000)).isFalse();
    assertThat(checks.admits(honest, AliveUpdates.sign(b, 4, "", bCert), 1000)).isTrue();
    assertThat(counted("fedmesh_limits_reached_total{limit=\"news_checks\"")).isEqualTo(1);
  }
}
