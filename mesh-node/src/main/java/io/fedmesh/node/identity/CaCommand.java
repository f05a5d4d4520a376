package io.fedmesh.node.identity;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.random.Randomness;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh ca}: the consortium certificate authority, which admits identities and revokes them. */
@Command(name = "ca", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = "The consortium CA: whoever holds its key admits identities (node ids) to the mesh. It signs "
        + "requests, never sees a node's private key, and publishes a revocation list every node honours.",
    subcommands = {CaCommand.Init.class, CaCommand.Sign.class, CaCommand.Revoke.class})
public final class CaCommand implements Runnable {
  /** How long a revocation list stays valid; nodes refuse peers once their list is older. */
  static final Duration CRL_VALIDITY = Duration.ofDays(30);

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh ca --help')");
  }

  /** {@code fedmesh ca init}. */
  @Command(name = "init", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Makes a consortium CA in DIR: ca.key (owner only; keep it offline), ca.crt (give it to every "
          + "node) and an empty revocation list crl.pem.", ""})
  public static final class Init implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "The CA's name (default: ${DEFAULT-VALUE}).")
    String name = "FedMesh consortium CA";

    @Option(names = "--validity-days", paramLabel = "D", description = "How long the CA is valid (default: ${DEFAULT-VALUE}).")
    int validityDays = 3650;

    @Option(names = "--force", description = "Replace an existing CA (every certificate it issued stops being trusted).")
    boolean force;

    @Override
    public Integer call() throws Exception {
      if (validityDays < 1 || validityDays > 36_500) {
        throw new ParameterException(spec.commandLine(), "--validity-days must be in [1, 36500], got " + validityDays);
      }
      CaDirectory dir = new CaDirectory(out);
      if (Files.exists(dir.key()) && !force) {
        throw new IllegalStateException(dir.key() + " exists: a CA is already here (--force replaces it)");
      }
      SigningKey key = SigningKey.generate(Randomness.strong());
      Instant now = Instant.now();
      CertificateAuthority ca = CertificateAuthority.create(name, key, now.minus(Duration.ofMinutes(5)),
          Duration.ofDays(validityDays), Randomness.strong());
      AtomicFiles.writeOwnerOnly(dir.key(), Pem.privateKey(key).getBytes(StandardCharsets.US_ASCII));
      AtomicFiles.writeString(dir.certificate(), Pem.certificate(ca.certificate()));
      AtomicFiles.writeString(dir.crl(), Pem.revocationList(ca.revocationList(Map.of(), BigInteger.ONE, now, now.plus(CRL_VALIDITY))));
      spec.commandLine().getOut().println("CA '" + name + "' in " + out + ": give " + dir.certificate() + " and "
          + dir.crl() + " to every node; keep " + dir.key() + " offline");
      return 0;
    }
  }

  /** {@code fedmesh ca sign}. */
  @Command(name = "sign", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Signs a node's certificate signing request after showing what it would admit (node id, DNS "
          + "names, IP addresses, validity) and asking for confirmation (--yes skips the question).", ""})
  public static final class Sign implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path caDir;

    @Option(names = "--csr", required = true, paramLabel = "FILE", description = "The node's request (node.csr).")
    Path csr;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the certificate goes.")
    Path out;

    @Option(names = "--validity-days", paramLabel = "D", description = "How long the certificate is valid (default: ${DEFAULT-VALUE}).")
    int validityDays = 365;

    @Option(names = "--yes", description = "Sign without asking (for scripts that already checked the request).")
    boolean yes;

    @Option(names = "--force", description = "Replace an existing certificate file.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      if (validityDays < 1 || validityDays > 3650) {
        throw new ParameterException(spec.commandLine(), "--validity-days must be in [1, 3650], got " + validityDays);
      }
      if (Files.exists(out) && !force) {
        throw new IllegalStateException(out + " exists (--force replaces it)");
      }
      CertificateAuthority ca = new CaDirectory(caDir).load();
      NodeCertificateRequest request;
      try {
        request = Pem.readCertificateRequest(CaDirectory.read(csr));
      } catch (CryptoException e) {
        throw new IllegalStateException(csr + ": " + e.getMessage(), e);
      }
      Instant now = Instant.now();
      Instant notAfter = now.plus(Duration.ofDays(validityDays));
      PrintWriter err = spec.commandLine().getErr();
      err.println("request " + csr + " asks for:");
      err.println("  node id   " + request.nodeId().hex());
      err.println("  DNS names " + (request.dnsNames().isEmpty() ? "(none)" : String.join(", ", request.dnsNames())));
      err.println("  addresses " + (request.ipAddresses().isEmpty() ? "(none)"
          : String.join(", ", request.ipAddresses().stream().map(a -> a.getHostAddress()).toList())));
      err.println("  valid     " + now + " to " + notAfter);
      if (!yes && !confirmed(err)) {
        throw new IllegalStateException("not signed: confirm with 'y', or pass --yes");
      }
      X509Certificate certificate = ca.issue(request, now.minus(Duration.ofMinutes(5)), Duration.ofDays(validityDays),
          Randomness.strong());
      AtomicFiles.writeString(out, Pem.certificate(certificate));
      spec.commandLine().getOut().println("signed node " + request.nodeId().hex() + " (serial "
          + certificate.getSerialNumber().toString(16) + ") into " + out);
      return 0;
    }

    private static boolean confirmed(PrintWriter err) throws java.io.IOException {
      if (System.console() == null) {
        throw new IllegalStateException("not signed: no terminal to confirm on (pass --yes after checking the request)");
      }
      err.print("sign it? [y/N] ");
      err.flush();
      String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      return answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y");
    }
  }

  /** {@code fedmesh ca revoke}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Revokes a certificate this CA issued: adds its serial to crl.pem (signed, with a higher number "
          + "than before). Copy the new crl.pem to every node; nodes refuse revoked peers.", ""})
  public static final class Revoke implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path caDir;

    @Option(names = "--cert", required = true, paramLabel = "FILE", description = "The certificate to revoke.")
    Path certificateFile;

    @Override
    public Integer call() throws Exception {
      CaDirectory dir = new CaDirectory(caDir);
      CertificateAuthority ca = dir.load();
      X509Certificate certificate;
      try {
        certificate = Pem.readCertificate(CaDirectory.read(certificateFile));
        NodeCertificates.verifyIssuedBy(certificate, ca.certificate(), certificate.getNotBefore().toInstant().plusSeconds(1));
      } catch (CryptoException e) {
        throw new IllegalStateException(certificateFile + ": " + e.getMessage(), e);
      }
      X509CRL previous = dir.loadCrl();
      Map<BigInteger, Instant> revoked = new TreeMap<>();
      if (previous.getRevokedCertificates() != null) {
        for (X509CRLEntry entry : previous.getRevokedCertificates()) {
          revoked.put(entry.getSerialNumber(), entry.getRevocationDate().toInstant());
        }
      }
      if (revoked.containsKey(certificate.getSerialNumber())) {
        spec.commandLine().getOut().println("already revoked: serial " + certificate.getSerialNumber().toString(16));
        return 0;
      }
      Instant now = Instant.now();
      revoked.put(certificate.getSerialNumber(), now);
      BigInteger number = NodeCertificates.revocationListNumber(previous).add(BigInteger.ONE);
      AtomicFiles.writeString(dir.crl(), Pem.revocationList(ca.revocationList(revoked, number, now, now.plus(CRL_VALIDITY))));
      spec.commandLine().getOut().println("revoked node " + NodeCertificates.verifiedNodeId(certificate).hex() + " (serial "
          + certificate.getSerialNumber().toString(16) + "); " + dir.crl() + " now lists " + revoked.size()
          + " certificate(s): copy it to every node");
      return 0;
    }
  }
}
