package io.fedmesh.node.identity;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The CA's record of every certificate it signed, so that a certificate can be revoked by serial or
 * node id after its file is lost. One line per certificate, tab-separated: serial (hex), node id,
 * not-before, not-after, names (DNS names and IP addresses, comma-separated, {@code -} for none).
 * Lines starting with {@code #} are comments. Whether a certificate is revoked is not recorded here:
 * the signed revocation list is the one source of that.
 *
 * <p>The whole file is rewritten atomically for each entry, and the entry is written before the
 * certificate is handed out, so a crash never leaves a certificate in use that the index lacks.
 */
record IssuedCertificates(Path file) {
  static final String HEADER = "# fedmesh CA: certificates issued (serial, node id, not before, not after, names)\n";

  /** One issued certificate. */
  record Entry(BigInteger serial, NodeId nodeId, Instant notBefore, Instant notAfter, List<String> names) {
    Entry {
      names = List.copyOf(names);
    }

    String serialHex() {
      return serial.toString(16);
    }

    String line() {
      return serialHex() + "\t" + nodeId.hex() + "\t" + notBefore + "\t" + notAfter + "\t"
          + (names.isEmpty() ? "-" : String.join(",", names));
    }
  }

  /** Every entry, in the order issued; none if the CA has no index yet (it predates the index). */
  List<Entry> read() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      try {
        if (f.length != 5) {
          throw new IllegalArgumentException("expected 5 tab-separated fields, got " + f.length);
        }
        entries.add(new Entry(new BigInteger(f[0], 16), NodeId.ofHex(f[1]), Instant.parse(f[2]), Instant.parse(f[3]),
            f[4].equals("-") ? List.of() : List.of(f[4].split(","))));
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return entries;
  }

  /** Adds an entry: the file is replaced atomically, holding either every earlier entry and this one or only the earlier. */
  void append(Entry entry) throws IOException {
    String before = Files.exists(file) ? Files.readString(file) : HEADER;
    if (!before.isEmpty() && !before.endsWith("\n")) {
      before += "\n";
    }
    AtomicFiles.writeString(file, before + entry.line() + "\n");
  }
}
