package io.fedmesh.node.identity;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh ca}: the consortium certificate authority, which admits identities and revokes them. */
@Command(name = "ca", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = "The consortium CA: whoever holds its key admits identities (node ids) to the mesh. It signs "
        + "requests, never sees a node's private key, and publishes a revocation list every node honours.",
    subcommands = {CaCommand.Init.class, CaCommand.Sign.class, CaCommand.Revoke.class, CaCommand.ReissueList.class,
        CaCommand.ListIssued.class})
public final class CaCommand implements Runnable {
  /** How long a revocation list stays valid; nodes refuse peers once their list is older. */
  static final Duration CRL_VALIDITY = Duration.ofDays(30);

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh ca --help')");
  }

  /** The serials a list names, with their revocation times, to sign again into the next list. */
  static Map<BigInteger, Instant> entries(X509CRL list) {
    Map<BigInteger, Instant> revoked = new TreeMap<>();
    if (list.getRevokedCertificates() != null) {
      for (X509CRLEntry entry : list.getRevokedCertificates()) {
        revoked.put(entry.getSerialNumber(), entry.getRevocationDate().toInstant());
      }
    }
    return revoked;
  }

  static final String ACCEPT_RESTORED = "--accept-restored-list";
  static final String ACCEPT_RESTORED_HELP = "Sign even though crl.pem is numbered below a list this CA already "
      + "signed (it was put back from an older copy): the new list holds only crl.pem's entries, so first make sure "
      + "it lacks no revocation made since (revoke those again after).";

  /** {@code fedmesh ca init}. */
  @Command(name = "init", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Makes a consortium CA in DIR: ca.key (owner only; keep it offline), ca.crt (give it to every "
          + "node), an empty revocation list crl.pem and issued.tsv, the record of what it signs. It never "
          + "overwrites a CA key: to start over, move ca.key aside first, then pass --force.", ""})
  public static final class Init implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "The CA's name (default: ${DEFAULT-VALUE}).")
    String name = "FedMesh consortium CA";

    @Option(names = "--validity-days", paramLabel = "D", description = "How long the CA is valid (default: ${DEFAULT-VALUE}).")
    int validityDays = 3650;

    @Option(names = "--force", description = "Start a new CA in a directory whose old key was moved aside: the old "
        + "certificate, revocation list and index go to DIR/retired-TIME/, and revocation list numbers carry on "
        + "from the old ones. Every certificate the old CA issued stops being trusted.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      if (validityDays < 1 || validityDays > 36_500) {
        throw new ParameterException(spec.commandLine(), "--validity-days must be in [1, 36500], got " + validityDays);
      }
      CaDirectory dir = new CaDirectory(out);
      try (var lock = dir.lock()) {
        Instant now = Instant.now();
        if (Files.exists(dir.key())) {
          Path aside = dir.dir().resolve(CaDirectory.KEY + ".retired-" + CaDirectory.stamp(now));
          if (force) {
            throw new ParameterException(spec.commandLine(), "--force will not destroy the CA key " + dir.key()
                + ": move it aside first (for example: mv " + dir.key() + " " + aside + "), then run again");
          }
          throw new IllegalStateException(dir.key() + " exists: a CA is already here (to replace it, move its key "
              + "aside, e.g. to " + aside + ", and pass --force)");
        }
        // Nodes refuse a list numbered below the one in force, and a CA never restarts at 1 in a
        // directory that held one: the new numbers carry on from every list this directory has held.
        BigInteger number = dir.highestRevocationListNumber().add(BigInteger.ONE);
        Path retired = null;
        if (dir.holdsEarlierCa()) {
          if (!force) {
            throw new IllegalStateException(out + " holds an earlier CA's certificate, revocation list or index but "
                + "no key: --force starts a new CA here and sets those aside");
          }
          retired = dir.retire(now);
        }
        SigningKey key = SigningKey.generate(Randomness.strong());
        CertificateAuthority ca = CertificateAuthority.create(name, key, now.minus(Duration.ofMinutes(5)),
            Duration.ofDays(validityDays), Randomness.strong());
        AtomicFiles.writeOwnerOnly(dir.key(), Pem.privateKey(key).getBytes(StandardCharsets.US_ASCII));
        AtomicFiles.writeString(dir.certificate(), Pem.certificate(ca.certificate()));
        dir.publish(ca, Map.of(), number, now, CRL_VALIDITY);
        AtomicFiles.writeString(dir.issued().file(), IssuedCertificates.HEADER);
        PrintWriter o = spec.commandLine().getOut();
        if (retired != null) {
          o.println("the earlier CA's certificate, revocation list and index are in " + retired);
        }
        o.println("CA '" + name + "' in " + out + ": give " + dir.certificate() + " and "
            + dir.crl() + " to every node; keep " + dir.key() + " offline");
      }
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
      CaDirectory dir = new CaDirectory(caDir);
      try (var lock = dir.lock()) {
        return sign(dir);
      }
    }

    private int sign(CaDirectory dir) throws Exception {
      CertificateAuthority ca = dir.load();
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
      List<String> names = new ArrayList<>(request.dnsNames());
      request.ipAddresses().forEach(a -> names.add(a.getHostAddress()));
      // Recorded before the certificate exists anywhere else: whatever happens next, it can be revoked.
      dir.issued().append(new IssuedCertificates.Entry(certificate.getSerialNumber(), request.nodeId(),
          certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(), names));
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
      description = {"Revokes certificates this CA issued: adds their serials to crl.pem (signed, with a higher number "
          + "than before). Name one certificate by its file or its serial, or every certificate issued to a node by "
          + "its id (serials and ids as 'fedmesh ca list' shows them). Copy the new crl.pem to every node; nodes "
          + "close the revoked node's connections and refuse it.", ""})
  public static final class Revoke implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path caDir;

    @Option(names = ACCEPT_RESTORED, description = ACCEPT_RESTORED_HELP)
    boolean acceptRestored;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    /** Exactly one way of naming what to revoke. */
    static final class Target {
      @Option(names = "--cert", required = true, paramLabel = "FILE", description = "The certificate to revoke.")
      Path certificateFile;

      @Option(names = "--serial", required = true, paramLabel = "HEX", description = "The serial of a certificate in the CA's index.")
      String serial;

      @Option(names = "--node-id", required = true, paramLabel = "HEX", description = "A node id: revokes every certificate the index holds for it.")
      String nodeId;
    }

    @Override
    public Integer call() throws Exception {
      CaDirectory dir = new CaDirectory(caDir);
      try (var lock = dir.lock()) {
        return revoke(dir);
      }
    }

    private int revoke(CaDirectory dir) throws Exception {
      CertificateAuthority ca = dir.load();
      Map<BigInteger, NodeId> targets = new TreeMap<>();
      if (target.certificateFile != null) {
        X509Certificate certificate;
        try {
          certificate = Pem.readCertificate(CaDirectory.read(target.certificateFile));
          NodeCertificates.verifyIssuedBy(certificate, ca.certificate(), certificate.getNotBefore().toInstant().plusSeconds(1));
        } catch (CryptoException e) {
          throw new IllegalStateException(target.certificateFile + ": " + e.getMessage(), e);
        }
        targets.put(certificate.getSerialNumber(), NodeCertificates.verifiedNodeId(certificate));
      } else if (target.serial != null) {
        BigInteger serial = parseSerial(target.serial);
        dir.issued().read().stream().filter(e -> e.serial().equals(serial)).forEach(e -> targets.put(e.serial(), e.nodeId()));
        if (targets.isEmpty()) {
          throw new IllegalStateException("serial " + serial.toString(16) + " is not in " + dir.issued().file()
              + ": this CA has no record of issuing it (revoke by --cert FILE if you have the certificate)");
        }
      } else {
        NodeId node;
        try {
          node = NodeId.ofHex(target.nodeId);
        } catch (CryptoException e) {
          throw new ParameterException(spec.commandLine(), "--node-id: " + e.getMessage());
        }
        dir.issued().read().stream().filter(e -> e.nodeId().equals(node)).forEach(e -> targets.put(e.serial(), e.nodeId()));
        if (targets.isEmpty()) {
          throw new IllegalStateException("node " + node.hex() + " has no certificate in " + dir.issued().file()
              + " (revoke by --cert FILE if you have the certificate)");
        }
      }
      X509CRL previous = dir.loadCrl();
      // Checked before anything is revoked, so that a restored list is reported even when it already names the target.
      BigInteger number = dir.nextRevocationListNumber(previous, acceptRestored);
      Map<BigInteger, Instant> revoked = entries(previous);
      Instant now = Instant.now();
      PrintWriter o = spec.commandLine().getOut();
      List<String> added = new ArrayList<>();
      targets.forEach((serial, node) -> {
        if (revoked.putIfAbsent(serial, now) == null) {
          added.add("revoked node " + node.hex() + " (serial " + serial.toString(16) + ")");
        }
      });
      if (added.isEmpty()) {
        o.println("already revoked: serial " + String.join(", ", targets.keySet().stream().map(b -> b.toString(16)).toList())
            + " (nothing signed; 'fedmesh ca crl' re-issues the list)");
        return 0;
      }
      dir.publish(ca, revoked, number, now, CRL_VALIDITY);
      added.forEach(o::println);
      o.println(dir.crl() + " now lists " + revoked.size() + " certificate(s): copy it to every node");
      return 0;
    }

    private BigInteger parseSerial(String text) {
      String hex = text.strip().replace(":", "");
      if (hex.startsWith("0x") || hex.startsWith("0X")) {
        hex = hex.substring(2);
      }
      if (hex.isEmpty() || hex.length() > 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw new ParameterException(spec.commandLine(), "--serial must be a certificate serial in hex, got \"" + text + "\"");
      }
      return new BigInteger(hex, 16);
    }
  }

  /** {@code fedmesh ca crl}: re-issues the revocation list, so that it never runs out while nobody is revoked. */
  @Command(name = "crl", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Signs crl.pem again: the same revoked certificates, the next list number and a fresh next update ("
          + "30 days on). Nodes refuse every new call once their list is past its next update plus tls.crl_grace_hours, "
          + "and 'ca revoke' signs only when it revokes something new: run this before the list's next update, e.g. "
          + "weekly from cron, then copy crl.pem to every node. Prints the new number and next update.", ""})
  public static final class ReissueList implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path caDir;

    @Option(names = ACCEPT_RESTORED, description = ACCEPT_RESTORED_HELP)
    boolean acceptRestored;

    @Override
    public Integer call() throws Exception {
      CaDirectory dir = new CaDirectory(caDir);
      try (var lock = dir.lock()) {
        CertificateAuthority ca = dir.load();
        X509CRL previous = dir.loadCrl();
        BigInteger number = dir.nextRevocationListNumber(previous, acceptRestored);
        Map<BigInteger, Instant> revoked = entries(previous);
        X509CRL list = dir.publish(ca, revoked, number, Instant.now(), CRL_VALIDITY);
        spec.commandLine().getOut().println(dir.crl() + ": list number " + number + ", " + revoked.size()
            + " certificate(s) revoked, next update " + list.getNextUpdate().toInstant() + ": copy it to every node");
      }
      return 0;
    }
  }

  /** {@code fedmesh ca list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Lists every certificate this CA issued (from DIR/issued.tsv), with its state against crl.pem: "
          + "valid, expired, or revoked.", ""})
  public static final class ListIssued implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "The CA's directory.")
    Path caDir;

    @Override
    public Integer call() throws Exception {
      CaDirectory dir = new CaDirectory(caDir);
      dir.loadCertificate();
      List<IssuedCertificates.Entry> entries = dir.issued().read();
      X509CRL crl = dir.loadCrl();
      PrintWriter o = spec.commandLine().getOut();
      if (entries.isEmpty()) {
        o.println("no certificates recorded in " + dir.issued().file());
        return 0;
      }
      Instant now = Instant.now();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"SERIAL", "NODE ID", "NOT BEFORE", "NOT AFTER", "STATE", "NAMES"});
      for (IssuedCertificates.Entry e : entries) {
        X509CRLEntry revoked = crl.getRevokedCertificate(e.serial());
        String state = revoked != null ? "revoked " + revoked.getRevocationDate().toInstant().truncatedTo(ChronoUnit.SECONDS)
            : now.isAfter(e.notAfter()) ? "expired" : "valid";
        rows.add(new String[] {e.serialHex(), e.nodeId().hex(), e.notBefore().truncatedTo(ChronoUnit.SECONDS).toString(),
            e.notAfter().truncatedTo(ChronoUnit.SECONDS).toString(), state, e.names().isEmpty() ? "-" : String.join(",", e.names())});
      }
      int[] width = new int[rows.get(0).length];
      for (String[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          width[i] = Math.max(width[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          line.append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
        }
        o.println(line.toString().stripTrailing());
      }
      return 0;
    }
  }
}
