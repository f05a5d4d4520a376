package io.fedmesh.node.cli;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.security.PeerAuthenticator;
import io.fedmesh.node.security.TlsContexts;
import io.netty.handler.ssl.OpenSsl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh selftest}: checks that this machine (or container) can run a node, one line per check. The
 * checks need no network and change nothing but one temporary file in the data directory.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
    description = {
        "Checks that this machine or container can run a node, one line per check.",
        "",
        "Prints OK, FAIL or SKIP and the detail for each check, then exits 0 if none failed and 1 otherwise. Nothing is "
            + "sent over the network; the only write is a temporary file in the data directory.",
        "",
        "  tls       BoringSSL (netty-tcnative) is loaded and offers TLS 1.3",
        "  pytorch   the PyTorch engine loads offline (ai.djl.offline=true) and computes",
        "  config    the node config is valid (with --config)",
        "  data-dir  the data directory takes a file (with --config or --data-dir)",
        "  identity  key, certificate, CA and revocation list fit together (with",
        "            --config or --data-dir): the key is the certificate's, which",
        "            the CA issued, is valid now, names the key's node id and is",
        "            not revoked; BoringSSL accepts key and certificate as a pair",
        "",
        "Without --config or --data-dir only the runtime is checked (tls, pytorch).",
        ""})
public final class SelftestCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE",
      description = "The node's YAML config: its data_dir and tls files are checked.")
  Path config;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Without --config: a data directory holding node.key, node.crt, ca.crt (and crl.pem), as the "
          + "config's defaults name them.")
  Path dataDir;

  /** Overridden by tests. */
  Clock clock = Clock.systemUTC();

  /** The outcome of one check. */
  enum Status { OK, FAIL, SKIP }

  record Result(String check, Status status, String detail) {
    String line() {
      return String.format(Locale.ROOT, "%-4s  %-8s  %s", status, check, detail);
    }
  }

  @Override
  public Integer call() {
    if (config != null && dataDir != null) {
      throw new ParameterException(spec.commandLine(), "give --config or --data-dir, not both (the config names its data_dir)");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Result> results = new ArrayList<>();
    results.add(report(out, tls()));
    results.add(report(out, pytorch()));

    Path dir = dataDir;
    NodeConfig.Tls tls = null;
    if (config != null) {
      try {
        NodeConfig loaded = NodeConfig.load(config);
        results.add(report(out, new Result("config", Status.OK, config.toString())));
        dir = loaded.dataDir();
        tls = loaded.tls();
      } catch (NodeConfig.InvalidConfigException e) {
        results.add(report(out, new Result("config", Status.FAIL, config + ": " + String.join("; ", e.problems())
            + " (see 'fedmesh config check " + config + "')")));
      } catch (IOException e) {
        results.add(report(out, new Result("config", Status.FAIL, config + ": " + e.getMessage())));
      }
    } else if (dataDir != null) {
      tls = new NodeConfig.Tls(dataDir.resolve("node.key"), dataDir.resolve("node.crt"), dataDir.resolve("ca.crt"),
          dataDir.resolve("crl.pem"), Duration.ofHours(24));
    }
    if (dir == null) {
      String why = config != null ? "the config is not valid" : "no --config or --data-dir given";
      results.add(report(out, new Result("data-dir", Status.SKIP, why)));
      results.add(report(out, new Result("identity", Status.SKIP, why)));
    } else {
      results.add(report(out, dataDirectory(dir)));
      results.add(report(out, identity(tls, clock.instant())));
    }

    List<String> failed = results.stream().filter(r -> r.status() == Status.FAIL).map(Result::check).toList();
    long passed = results.stream().filter(r -> r.status() == Status.OK).count();
    if (failed.isEmpty()) {
      out.println("selftest: " + passed + " check(s) passed");
      out.flush();
      return 0;
    }
    out.flush();
    spec.commandLine().getErr().println("fedmesh: selftest: " + failed.size() + " check(s) failed: " + String.join(", ", failed));
    return FedmeshMain.EXIT_FAILED;
  }

  private static Result report(PrintWriter out, Result result) {
    out.println(result.line());
    out.flush();
    return result;
  }

  /** The node's TLS provider: {@link TlsContexts} refuses to run without BoringSSL. */
  static Result tls() {
    try {
      if (!OpenSsl.isAvailable()) {
        Throwable cause = OpenSsl.unavailabilityCause();
        return new Result("tls", Status.FAIL, "netty-tcnative is not available: " + (cause == null ? "unknown reason" : cause));
      }
      String version = OpenSsl.versionString();
      if (version == null || !version.contains("BoringSSL")) {
        return new Result("tls", Status.FAIL, "the OpenSSL provider is " + version + ", not BoringSSL");
      }
      if (!io.netty.handler.ssl.SslProvider.isTlsv13Supported(io.netty.handler.ssl.SslProvider.OPENSSL)) {
        return new Result("tls", Status.FAIL, version + " without TLS 1.3");
      }
      return new Result("tls", Status.OK, version + " (netty-tcnative), TLS 1.3");
    } catch (LinkageError e) {
      return new Result("tls", Status.FAIL, "netty-tcnative cannot be loaded: " + e);
    }
  }

  /** Loads the engine as training does, offline, and computes one small product. */
  static Result pytorch() {
    // A self-test must never reach for the network: without this DJL probes for telemetry and may download.
    if (!"true".equals(System.getProperty("ai.djl.offline"))) {
      System.setProperty("ai.djl.offline", "true");
    }
    try {
      ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
      float sum;
      try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
        ai.djl.ndarray.NDArray a = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
        sum = a.matMul(a).sum().getFloat();
      }
      if (sum != 54f) {
        return new Result("pytorch", Status.FAIL, "PyTorch " + engine.getVersion() + " computed " + sum + " for a 2x2 product, not 54");
      }
      String where;
      try {
        where = ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
      } catch (RuntimeException | LinkageError e) {
        where = "(unknown)";
      }
      return new Result("pytorch", Status.OK, "PyTorch " + engine.getVersion() + " (DJL " + ai.djl.engine.Engine.getDjlVersion()
          + ", offline), libtorch in " + where);
    } catch (RuntimeException | LinkageError e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return new Result("pytorch", Status.FAIL, "the PyTorch engine does not load: " + describe(e)
          + (root != e ? " (" + describe(root) + ")" : "") + "; DJL_CACHE_DIR=" + System.getenv("DJL_CACHE_DIR"));
    }
  }

  /** The data directory exists (or can be made), is a directory, and takes a file. */
  static Result dataDirectory(Path dir) {
    try {
      if (!Files.exists(dir)) {
        Files.createDirectories(dir);
      }
      if (!Files.isDirectory(dir)) {
        return new Result("data-dir", Status.FAIL, dir + " is not a directory");
      }
      Path probe = Files.createTempFile(dir, ".selftest-", ".tmp");
      try {
        Files.writeString(probe, "fedmesh selftest\n", StandardCharsets.UTF_8);
        if (!Files.readString(probe, StandardCharsets.UTF_8).equals("fedmesh selftest\n")) {
          return new Result("data-dir", Status.FAIL, dir + ": a file written there reads back differently");
        }
      } finally {
        Files.deleteIfExists(probe);
      }
      long free = Files.getFileStore(dir).getUsableSpace();
      return new Result("data-dir", Status.OK, dir + " is writable (" + String.format(Locale.ROOT, "%.1f", free / 1073741824.0)
          + " GiB free)");
    } catch (IOException | SecurityException e) {
      return new Result("data-dir", Status.FAIL, dir + " is not writable: " + describe(e));
    }
  }

  /** Key, certificate, CA and revocation list, with the checks a node and its peers make. */
  static Result identity(NodeConfig.Tls tls, Instant now) {
    X509Certificate ca;
    X509Certificate own;
    SigningKey key;
    try {
      ca = Pem.readCertificate(read(tls.ca()));
    } catch (IOException | CryptoException e) {
      return new Result("identity", Status.FAIL, "CA certificate " + tls.ca() + ": " + describe(e));
    }
    try {
      own = Pem.readCertificate(read(tls.certificate()));
    } catch (IOException | CryptoException e) {
      return new Result("identity", Status.FAIL, "certificate " + tls.certificate() + ": " + describe(e));
    }
    try {
      key = Pem.readPrivateKey(read(tls.key()));
    } catch (IOException | CryptoException e) {
      return new Result("identity", Status.FAIL, "key " + tls.key() + ": " + describe(e));
    }
    NodeId id;
    try {
      id = NodeCertificates.verifiedNodeId(own);
      NodeCertificates.verifyIssuedBy(own, ca, now);
    } catch (CryptoException e) {
      return new Result("identity", Status.FAIL, "certificate " + tls.certificate() + ": " + e.getMessage());
    }
    NodeId keys = key.verifyingKey().nodeId();
    if (!keys.equals(id)) {
      return new Result("identity", Status.FAIL, "key " + tls.key() + " is node " + keys + ", but certificate "
          + tls.certificate() + " is node " + id + ": they are not a pair");
    }
    String revocation;
    if (Files.exists(tls.crl())) {
      try {
        PeerAuthenticator authenticator = new PeerAuthenticator(ca, tls.crl(), tls.crlGrace(), Clock.fixed(now, java.time.ZoneOffset.UTC));
        if (authenticator.revoked(own)) {
          return new Result("identity", Status.FAIL, "certificate " + tls.certificate() + " (serial "
              + own.getSerialNumber().toString(16) + ") is revoked by " + tls.crl());
        }
        revocation = "not revoked (" + tls.crl().getFileName() + " is " + authenticator.freshness().name().toLowerCase(Locale.ROOT) + ")";
      } catch (IOException | CryptoException e) {
        return new Result("identity", Status.FAIL, "revocation list " + tls.crl() + ": " + describe(e));
      }
    } else {
      revocation = "no revocation list at " + tls.crl();
    }
    try {
      // What the node itself does at start: BoringSSL must accept this key and certificate as a pair.
      TlsContexts.server(tls.certificate().toFile(), tls.key().toFile());
    } catch (IOException | RuntimeException e) {
      return new Result("identity", Status.FAIL, "BoringSSL refuses key " + tls.key() + " with certificate " + tls.certificate()
          + ": " + describe(e));
    }
    long days = Duration.between(now, own.getNotAfter().toInstant()).toDays();
    return new Result("identity", Status.OK, "node " + id.shortForm() + ": key fits certificate, issued by "
        + ca.getSubjectX500Principal().getName() + ", valid until " + own.getNotAfter().toInstant() + " (" + days + " days), "
        + revocation);
  }

  private static String read(Path file) throws IOException {
    return io.fedmesh.node.config.TextFiles.read(file, io.fedmesh.node.config.TextFiles.PEM_BYTES);
  }

  private static String describe(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
