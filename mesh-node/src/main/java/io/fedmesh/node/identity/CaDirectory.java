package io.fedmesh.node.identity;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificates;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;

/**
 * A consortium CA's directory: {@code ca.key} (owner only), {@code ca.crt} (what every node pins) and
 * {@code crl.pem}, the revocation list every node honours, {@code issued.tsv}, the record of every
 * certificate it signed ({@link IssuedCertificates}), and {@code crlnumber}, the highest revocation
 * list number it ever signed (in hex, as OpenSSL keeps it).
 */
record CaDirectory(Path dir) {
  static final String KEY = "ca.key";
  static final String CERTIFICATE = "ca.crt";
  static final String CRL = "crl.pem";
  static final String ISSUED = "issued.tsv";
  static final String CRL_NUMBER = "crlnumber";
  static final String LOCK = ".lock";
  static final String RETIRED = "retired-";

  Path key() {
    return dir.resolve(KEY);
  }

  Path certificate() {
    return dir.resolve(CERTIFICATE);
  }

  Path crl() {
    return dir.resolve(CRL);
  }

  Path crlNumber() {
    return dir.resolve(CRL_NUMBER);
  }

  IssuedCertificates issued() {
    return new IssuedCertificates(dir.resolve(ISSUED));
  }

  /**
   * Holds the directory for one command, so that two signings at once cannot each rewrite the index
   * without the other's entry, nor two revocations publish lists with the same number.
   *
   * @return the locked file; closing it releases the directory
   * @throws IOException if another {@code fedmesh ca} command holds it
   */
  java.io.Closeable lock() throws IOException {
    Files.createDirectories(dir);
    FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    java.nio.channels.FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IOException(dir + " is in use by another 'fedmesh ca' command");
    }
    return channel;
  }

  /** @throws IOException naming the missing or unreadable file */
  CertificateAuthority load() throws IOException {
    return new CertificateAuthority(Pem.readCertificate(read(certificate())), Pem.readPrivateKey(read(key())));
  }

  X509CRL loadCrl() throws IOException {
    return Pem.readRevocationList(read(crl()));
  }

  X509Certificate loadCertificate() throws IOException {
    return Pem.readCertificate(read(certificate()));
  }

  /** Whether the directory holds what an earlier CA left: a certificate, a revocation list or an index. */
  boolean holdsEarlierCa() {
    return Files.exists(certificate()) || Files.exists(crl()) || Files.exists(issued().file());
  }

  /**
   * The highest CRL number this directory has signed, as far as it can tell (0 if none): its
   * {@code crlnumber} record, {@code crl.pem}, and any list set aside in {@code retired-*}. Nodes
   * ignore a list numbered at or below the one they hold, so every new list is numbered above it;
   * crl.pem alone is not enough, as it may have been put back from a backup.
   *
   * @throws IOException naming a list or record that cannot be read, rather than guess a number too low
   */
  BigInteger highestRevocationListNumber() throws IOException {
    List<Path> lists = new ArrayList<>();
    if (Files.exists(crl())) {
      lists.add(crl());
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        entries.filter(p -> p.getFileName().toString().startsWith(RETIRED) && Files.exists(p.resolve(CRL)))
            .forEach(p -> lists.add(p.resolve(CRL)));
      }
    }
    BigInteger highest = recordedRevocationListNumber();
    for (Path list : lists) {
      try {
        highest = highest.max(NodeCertificates.revocationListNumber(Pem.readRevocationList(read(list))));
      } catch (CryptoException e) {
        throw new IOException(list + ": " + e.getMessage() + " (its number must be known, so that new lists "
            + "are numbered above it)", e);
      }
    }
    return highest;
  }

  /** The number in {@code crlnumber}; 0 if there is none (a CA that predates the record). */
  BigInteger recordedRevocationListNumber() throws IOException {
    if (!Files.exists(crlNumber())) {
      return BigInteger.ZERO;
    }
    String text = read(crlNumber()).strip();
    if (text.isEmpty() || text.length() > 64 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IOException(crlNumber() + ": not a revocation list number in hex (it records the highest number "
          + "this CA signed; put back the right value, e.g. from the newest list a node holds)");
    }
    return new BigInteger(text, 16);
  }

  /**
   * The number for the next list, which replaces {@code current}: above every number this directory
   * has signed. Refuses if {@code current} is below that, unless {@code acceptRestored}: such a list
   * was put back from an older copy, and signing its entries again would silently drop every
   * revocation made since.
   *
   * @throws IllegalStateException saying what happened and how to go on
   */
  BigInteger nextRevocationListNumber(X509CRL current, boolean acceptRestored) throws IOException {
    BigInteger highest = highestRevocationListNumber();
    BigInteger number = NodeCertificates.revocationListNumber(current);
    if (number.compareTo(highest) < 0 && !acceptRestored) {
      throw new IllegalStateException(crl() + " is list number " + number + " but this CA already signed list number "
          + highest + " (" + crlNumber() + "): it was restored from an older copy and may lack later revocations; "
          + "put the newest list back, or pass --accept-restored-list to sign its entries as list " + highest.add(BigInteger.ONE));
    }
    return highest.add(BigInteger.ONE);
  }

  /**
   * Signs and writes a new {@code crl.pem}, then records its number in {@code crlnumber}; the caller
   * holds {@link #lock()}. In that order, a crash between the two leaves the record below crl.pem,
   * which {@link #highestRevocationListNumber()} covers, never above it (which would look restored).
   */
  X509CRL publish(CertificateAuthority ca, Map<BigInteger, Instant> revoked, BigInteger number, Instant now,
      java.time.Duration validity) throws IOException {
    X509CRL list = ca.revocationList(revoked, number, now, now.plus(validity));
    AtomicFiles.writeString(crl(), Pem.revocationList(list));
    AtomicFiles.writeString(crlNumber(), number.toString(16) + "\n");
    return list;
  }

  /**
   * Moves an earlier CA's certificate, revocation list and index into a new {@code retired-TIME}
   * directory here, which it returns.
   */
  Path retire(Instant now) throws IOException {
    Path retired = dir.resolve(RETIRED + stamp(now));
    for (int n = 2; Files.exists(retired); n++) {
      retired = dir.resolve(RETIRED + stamp(now) + "-" + n);
    }
    Files.createDirectory(retired);
    for (String name : List.of(CERTIFICATE, CRL, ISSUED)) {
      if (Files.exists(dir.resolve(name))) {
        Files.move(dir.resolve(name), retired.resolve(name), StandardCopyOption.ATOMIC_MOVE);
      }
    }
    return retired;
  }

  /** A time as a file-name part: 20260102T030405Z. */
  static String stamp(Instant now) {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
  }

  static String read(Path file) throws IOException {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file + ": no such file");
    }
  }
}
