package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of {@code fedmesh selftest}: hostile files where the node's identity and data directory should be.
 * Each case runs the real command in its own JVM (heap 256 MiB, 45 s): it must end with exit 1, name the failing
 * check on one line, and print no stack trace or JVM error.
 */
class SelftestRedTeamTest {
  private static final long TIMEOUT_SECONDS = 45;

  @TempDir
  Path dir;
  private Path good;

  private int inProcess(String... args) {
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    return code;
  }

  @BeforeEach
  void identity() {
    inProcess("ca", "init", "--out", dir.resolve("ca").toString());
    good = dir.resolve("good");
    inProcess("keys", "init", "--out", good.toString(), "--ip", "127.0.0.1");
    inProcess("ca", "sign", "--ca", dir.resolve("ca").toString(), "--csr", good.resolve("node.csr").toString(),
        "--out", good.resolve("node.crt").toString(), "--yes");
    try {
      Files.copy(dir.resolve("ca/ca.crt"), good.resolve("ca.crt"));
      Files.copy(dir.resolve("ca/crl.pem"), good.resolve("crl.pem"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A copy of the good data directory. */
  private Path copy(String name) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    for (String f : List.of("node.key", "node.crt", "ca.crt", "crl.pem")) {
      Files.copy(good.resolve(f), d.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    return d;
  }

  private Path replaceWithLink(Path data, String file, Path target) throws IOException {
    Files.delete(data.resolve(file));
    return Files.createSymbolicLink(data.resolve(file), target);
  }

  private Path fifo(Path where) throws Exception {
    Files.deleteIfExists(where);
    Process p = new ProcessBuilder("mkfifo", where.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    return where;
  }

  record Outcome(boolean finished, int exit, String out, String err) {
    String all() {
      return "exit " + exit + (finished ? "" : " (killed after " + TIMEOUT_SECONDS + " s)") + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private Outcome selftest(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), FedmeshMain.class.getName(), "selftest"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    boolean finished = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    return new Outcome(finished, finished ? p.exitValue() : -1, Files.readString(out), Files.readString(err));
  }

  /** Exit 1 in time, {@code check} failing on one line (containing {@code expected}), no stack trace, no JVM error. */
  private static void failsCleanly(Outcome o, String check, String... expected) {
    assertThat(o.finished()).as("finished in time:\n%s", o.all()).isTrue();
    assertThat(o.exit()).as(o.all()).isEqualTo(1);
    String line = o.out().lines().filter(l -> l.matches("FAIL +" + check + " .*")).findFirst()
        .orElseThrow(() -> new AssertionError("no FAIL line for " + check + ":\n" + o.all()));
    assertThat(line).as(o.all()).contains(expected);
    assertThat(o.out() + o.err()).as(o.all()).doesNotContain("\tat ", "Exception in thread", "OutOfMemoryError", "Caused by");
    assertThat(o.err().lines().toList()).as(o.all()).hasSize(1);
  }

  @Test
  void aCaThatIsDevZeroFails() throws Exception {
    Path data = copy("devzero");
    replaceWithLink(data, "ca.crt", Path.of("/dev/zero"));
    failsCleanly(selftest("--data-dir", data.toString()), "identity", "CA certificate");
  }

  @Test
  void aKeyThatIsAFifoFails() throws Exception {
    Path data = copy("fifo");
    fifo(data.resolve("node.key"));
    failsCleanly(selftest("--data-dir", data.toString()), "identity", "key");
  }

  @Test
  void aHugeCertificateFileFails() throws Exception {
    Path data = copy("huge");
    try (RandomAccessFile f = new RandomAccessFile(data.resolve("node.crt").toFile(), "rw")) {
      f.setLength(3L << 30); // sparse: the PEM, then 3 GiB of zeros
    }
    failsCleanly(selftest("--data-dir", data.toString()), "identity", "certificate");
  }

  @Test
  void aRevocationListThatIsDevZeroFails() throws Exception {
    Path data = copy("crlzero");
    replaceWithLink(data, "crl.pem", Path.of("/dev/zero"));
    failsCleanly(selftest("--data-dir", data.toString()), "identity", "revocation list");
  }

  @Test
  void aConfigThatIsAFifoFails() throws Exception {
    Path config = fifo(dir.resolve("node.yaml"));
    failsCleanly(selftest("--config", config.toString()), "config", "not a regular file");
  }

  @Test
  void aConfigThatIsDevZeroFails() throws Exception {
    failsCleanly(selftest("--config", "/dev/zero"), "config", "not a regular file");
  }

  /** 5,000 certificates in the CA file: selftest ends in time with a clear verdict (the first, the CA, is used or the file refused). */
  @Test
  void aCaFileWithThousandsOfCertificatesEndsInTime() throws Exception {
    Path data = copy("manycas");
    String ca = Files.readString(good.resolve("ca.crt"));
    String node = Files.readString(good.resolve("node.crt"));
    StringBuilder many = new StringBuilder(ca);
    for (int i = 0; i < 4999; i++) {
      many.append(i % 2 == 0 ? node : ca);
    }
    Files.writeString(data.resolve("ca.crt"), many, StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    Outcome o = selftest("--data-dir", data.toString());
    assertThat(o.finished()).as(o.all()).isTrue();
    assertThat(o.out() + o.err()).as(o.all()).doesNotContain("\tat ", "Exception in thread", "OutOfMemoryError");
    assertThat(o.out().lines().filter(l -> l.matches("(OK|FAIL) +identity .*"))).as(o.all()).hasSize(1);
    assertThat(System.nanoTime() - start).as("time").isLessThan(TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS));
  }

  @Test
  void aSymlinkLoopFailsOnOneLine() throws Exception {
    Path data = copy("loop");
    Files.delete(data.resolve("node.crt"));
    Files.createSymbolicLink(data.resolve("node.crt"), data.resolve("loop-b"));
    Files.createSymbolicLink(data.resolve("loop-b"), data.resolve("node.crt"));
    failsCleanly(selftest("--data-dir", data.toString()), "identity", "certificate");
  }

  /** A certificate that is a directory, and a data directory that is a file or cannot take a file (/proc). */
  @Test
  void directoriesAndUnwritableDataDirectoriesFailOnOneLine() throws Exception {
    Path data = copy("dirs");
    Files.delete(data.resolve("node.crt"));
    Files.createDirectories(data.resolve("node.crt"));
    failsCleanly(selftest("--data-dir", data.toString()), "identity", "certificate");
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    failsCleanly(selftest("--data-dir", file.toString()), "data-dir", "not a directory");
    failsCleanly(selftest("--data-dir", "/proc/self"), "data-dir", "/proc/self");
  }
}
