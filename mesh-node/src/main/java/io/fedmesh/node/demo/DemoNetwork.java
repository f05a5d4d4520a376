package io.fedmesh.node.demo;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo's throw-away consortium on disk: a CA, one identity per node (each with its own key,
 * certificate, the CA certificate and an empty revocation list in its data directory), and each
 * node's YAML, exactly as docs/operations.md has operators make them, in one directory.
 */
final class DemoNetwork {
  /** One demo node: its name, id and where its files are. */
  record Node(String name, NodeId id, Path dir) {
    Path config() {
      return dir.resolve("node.yaml");
    }
  }

  final Path root;
  final List<Node> nodes = new ArrayList<>();

  private DemoNetwork(Path root) {
    this.root = root;
  }

  /** A CA and {@code names.size()} identities under {@code root}/nodes. */
  static DemoNetwork create(Path root, List<String> names) throws IOException {
    DemoNetwork network = new DemoNetwork(root);
    SecureRandom random = Randomness.strong();
    Instant now = Instant.now();
    SigningKey caKey = SigningKey.generate(random);
    CertificateAuthority ca = CertificateAuthority.create("FedMesh demo CA", caKey, now.minus(Duration.ofHours(1)),
        Duration.ofDays(2), random);
    String caPem = Pem.certificate(ca.certificate());
    String crl = Pem.revocationList(ca.revocationList(Map.of(), BigInteger.ONE, now.minus(Duration.ofMinutes(5)),
        now.plus(Duration.ofDays(1))));
    Files.createDirectories(root);
    AtomicFiles.writeString(root.resolve("ca.crt"), caPem);
    for (String name : names) {
      SigningKey key = SigningKey.generate(random);
      NodeCertificateRequest request = NodeCertificateRequest.create(key, List.of("localhost"),
          List.of(InetAddress.getLoopbackAddress()));
      X509Certificate cert = ca.issue(request, now.minus(Duration.ofMinutes(5)), Duration.ofDays(1), random);
      Path dir = root.resolve("nodes").resolve(name);
      Path data = dir.resolve("data");
      Files.createDirectories(data);
      AtomicFiles.writeOwnerOnly(data.resolve("node.key"), Pem.privateKey(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      AtomicFiles.writeString(data.resolve("node.crt"), Pem.certificate(cert));
      AtomicFiles.writeString(data.resolve("ca.crt"), caPem);
      AtomicFiles.writeString(data.resolve("crl.pem"), crl);
      network.nodes.add(new Node(name, request.nodeId(), dir));
    }
    return network;
  }
}
