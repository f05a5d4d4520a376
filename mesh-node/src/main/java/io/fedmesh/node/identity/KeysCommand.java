package io.fedmesh.node.identity;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.storage.AtomicFiles;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh keys}: a node's own identity. */
@Command(name = "keys", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = "A node's identity: its own P-256 key, which never leaves it, and a request for the CA to sign.",
    subcommands = KeysCommand.Init.class)
public final class KeysCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh keys init --help')");
  }

  /** {@code fedmesh keys init}. */
  @Command(name = "init", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {
          "Makes this node's P-256 identity key (DIR/node.key, PKCS#8 PEM, readable by its owner only) and a "
              + "certificate signing request (DIR/node.csr) naming its node id and the DNS names and IP addresses "
              + "peers will dial. Prints the node id: the hex SHA-256 of the public key. Send node.csr to the "
              + "consortium CA ('fedmesh ca sign'); node.key never leaves this machine.",
          ""})
  public static final class Init implements Callable<Integer> {
    static final String KEY = "node.key";
    static final String CSR = "node.csr";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where node.key and node.csr go.")
    Path out;

    @Option(names = "--dns", paramLabel = "NAME", description = "A DNS name peers reach this node by (repeatable).")
    List<String> dns = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "ADDR", description = "An IP address peers reach this node at (repeatable).")
    List<String> ips = new ArrayList<>();

    @Option(names = "--force", description = "Replace an existing key (the old identity is lost).")
    boolean force;

    @Override
    public Integer call() throws Exception {
      List<InetAddress> addresses = new ArrayList<>();
      for (String ip : ips) {
        try {
          addresses.add(NodeCertificateRequest.ipLiteral(ip));
        } catch (CryptoException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      }
      Path key = out.resolve(KEY);
      if (Files.exists(key) && !force) {
        throw new IllegalStateException(key + " exists: this node already has an identity (--force replaces it, and the old one is lost)");
      }
      SigningKey identity = SigningKey.generate(Randomness.strong());
      NodeCertificateRequest request;
      try {
        request = NodeCertificateRequest.create(identity, dns, addresses);
      } catch (CryptoException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      AtomicFiles.writeOwnerOnly(key, Pem.privateKey(identity).getBytes(StandardCharsets.US_ASCII));
      AtomicFiles.writeString(out.resolve(CSR), Pem.certificateRequest(request));
      spec.commandLine().getOut().println(request.nodeId().hex());
      spec.commandLine().getErr().println("wrote " + key + " (owner only) and " + out.resolve(CSR) + "; send the request to the CA");
      return 0;
    }
  }
}
