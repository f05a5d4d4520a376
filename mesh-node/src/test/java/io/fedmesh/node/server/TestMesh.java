package io.fedmesh.node.server;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.security.TlsContexts;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** A CA and node identities on disk, as the CLI would make them, for servers and clients in tests. */
final class TestMesh {
  final Path dir;
  final CertificateAuthority ca;
  final SigningKey caKey;
  private long seed = 1;

  TestMesh(Path dir, String caName) throws IOException {
    this.dir = dir;
    Instant now = Instant.now();
    this.caKey = SigningKey.generate(SimulationRandom.fromSeed(dir.toString().hashCode() * 1000L + caName.hashCode()));
    this.ca = CertificateAuthority.create(caName, caKey, now.minus(Duration.ofDays(1)), Duration.ofDays(3650),
        SimulationRandom.fromSeed(7));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("ca.crt"), Pem.certificate(ca.certificate()));
    writeCrl(Map.of());
  }

  /** A node with key, certificate (valid {@code validity} from yesterday), CA and CRL in its own directory. */
  record Identity(NodeId id, Path dir, X509Certificate certificate) {
    Path key() {
      return dir.resolve("node.key");
    }

    Path cert() {
      return dir.resolve("node.crt");
    }
  }

  Identity node(String name, Duration validity) throws IOException {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(dir.toString().hashCode() * 31L + seed++ * 7 + name.hashCode()));
    NodeCertificateRequest request = NodeCertificateRequest.create(key, List.of("localhost"), List.of(InetAddress.getLoopbackAddress()));
    X509Certificate cert = ca.issue(request, Instant.now().minus(Duration.ofHours(1)), validity, SimulationRandom.fromSeed(seed++));
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    Files.writeString(d.resolve("node.key"), Pem.privateKey(key));
    Files.writeString(d.resolve("node.crt"), Pem.certificate(cert));
    Files.copy(dir.resolve("ca.crt"), d.resolve("ca.crt"));
    Files.copy(dir.resolve("crl.pem"), d.resolve("crl.pem"));
    return new Identity(request.nodeId(), d, cert);
  }

  /**
   * A node whose certificate is signed by the CA but whose URI SAN names {@code claimed} instead of
   * its own key's id: what a careless or malicious CA tool could produce.
   */
  Identity nodeClaiming(String name, NodeId claimed) throws Exception {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(seed++ * 131 + name.hashCode()));
    var issuer = org.bouncycastle.asn1.x500.X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
    var builder = new org.bouncycastle.cert.X509v3CertificateBuilder(issuer, BigInteger.valueOf(seed++ + 1000),
        java.util.Date.from(Instant.now().minus(Duration.ofHours(1))), java.util.Date.from(Instant.now().plus(Duration.ofDays(1))),
        new org.bouncycastle.asn1.x500.X500Name("CN=" + name),
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(key.verifyingKey().subjectPublicKeyInfo()));
    builder.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
        new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
            org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier, claimed.toUri())));
    builder.addExtension(org.bouncycastle.asn1.x509.Extension.basicConstraints, true,
        new org.bouncycastle.asn1.x509.BasicConstraints(false));
    var jcaKey = java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(caKey.toPkcs8()));
    var holder = builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(jcaKey));
    X509Certificate cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(holder.getEncoded()));
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    Files.writeString(d.resolve("node.key"), Pem.privateKey(key));
    Files.writeString(d.resolve("node.crt"), Pem.certificate(cert));
    return new Identity(claimed, d, cert);
  }

  Identity node(String name) throws IOException {
    return node(name, Duration.ofDays(30));
  }

  void writeCrl(Map<BigInteger, Instant> revoked) throws IOException {
    writeCrl(revoked, Instant.now());
  }

  /** A list issued at {@code now} (a test clock's time), valid for 30 days from then. */
  void writeCrl(Map<BigInteger, Instant> revoked, Instant now) throws IOException {
    Files.writeString(dir.resolve("crl.pem"), Pem.revocationList(ca.revocationList(revoked, BigInteger.valueOf(seed++), now,
        now.plus(Duration.ofDays(30)))));
  }

  /** A client channel to {@code port} presenting {@code who}'s certificate and trusting {@code trusted}'s CA file. */
  static ManagedChannel channel(int port, Identity who, Path trustedCa) throws IOException {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(TlsContexts.client(who.cert().toFile(), who.key().toFile(), trustedCa.toFile()))
        .build();
  }

  /** A clock tests can move. */
  static final class MovableClock extends Clock {
    private volatile Instant now = Instant.now();

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  /** Polls {@code condition} every 20 ms until it holds or {@code millis} pass; its last answer. */
  static boolean waitFor(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  /** The sum of a metric's samples whose line starts with {@code series} (a name, or a name and labels). */
  static double metric(NodeServer node, String series) {
    return node.metrics().scrape().lines().filter(l -> l.startsWith(series))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /**
   * Starts a node of this mesh on loopback (port 0 for peers and metrics) with {@code crl} as its
   * revocation list; {@code rest} is the rest of its YAML (gossip, relay, limits, federations). The
   * config file goes in {@code configDir}. The caller closes the node.
   */
  NodeServer start(Path configDir, Identity who, Path crl, String rest) throws Exception {
    Path config = java.nio.file.Files.writeString(configDir.resolve(who.dir().getFileName() + ".yaml"), "data_dir: "
        + who.dir() + "\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {crl: " + crl + "}\n" + rest);
    return NodeServer.start(io.fedmesh.node.config.NodeConfig.load(config), java.time.Clock.systemUTC());
  }

  /** {@link #start(Path, Identity, Path, String)} with this mesh's own revocation list. */
  NodeServer start(Path configDir, Identity who, String rest) throws Exception {
    return start(configDir, who, dir.resolve("crl.pem"), rest);
  }
}
