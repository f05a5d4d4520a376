package io.fedmesh.bench.node;

import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A throwaway consortium for benchmarks, laid out as the CLI would: {@code dir/ca.crt},
 * {@code dir/crl.pem} (empty), and per node {@code dir/NAME/node.key} and {@code node.crt} for
 * localhost and the loopback address. Node configs name them with {@code data_dir: NAME} and
 * {@code tls: {ca: ../ca.crt, crl: ../crl.pem}}.
 */
public final class BenchPki {
  private final Path dir;
  private final CertificateAuthority ca;
  private final SecureRandom random = Randomness.strong();

  public BenchPki(Path dir) throws IOException {
    this.dir = dir;
    Instant now = Instant.now();
    ca = CertificateAuthority.create("bench CA", SigningKey.generate(random), now.minus(Duration.ofHours(1)), Duration.ofDays(1),
        random);
    Files.writeString(dir.resolve("ca.crt"), Pem.certificate(ca.certificate()));
    Files.writeString(dir.resolve("crl.pem"), Pem.revocationList(ca.revocationList(Map.of(), BigInteger.ONE, now,
        now.plus(Duration.ofDays(1)))));
  }

  /** A node's key and certificate in {@code dir/name}; returns the key. */
  public SigningKey node(String name) throws IOException {
    SigningKey key = SigningKey.generate(random);
    NodeCertificateRequest request = NodeCertificateRequest.create(key, List.of("localhost"), List.of(InetAddress.getLoopbackAddress()));
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("node.key"), Pem.privateKey(key));
    Files.writeString(d.resolve("node.crt"), Pem.certificate(ca.issue(request, Instant.now().minus(Duration.ofMinutes(5)),
        Duration.ofHours(12), random)));
    return key;
  }

  public SecureRandom random() {
    return random;
  }
}
