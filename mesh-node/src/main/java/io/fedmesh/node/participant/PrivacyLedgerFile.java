package io.fedmesh.node.participant;

import io.fedmesh.coordinator.privacy.Mechanism;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantLedger.Entry;
import io.fedmesh.coordinator.privacy.ParticipantLedger.FederationSpend;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A participant's privacy ledger on disk: {@code <data_dir>/privacy/participant-ledger.txt}, rewritten
 * whole and atomically (temporary file, fsync, rename) for each charge. A text file, one record a line,
 * numbers as Java prints doubles (they read back exactly):
 *
 * <pre>
 * fedmesh-participant-privacy-ledger 1
 * orders 1.1 1.2 ... 63.0
 * federation card-fraud 0.0123 0.0131 ...           (the per-order RDP total, one value per order)
 * charge card-fraud 7 5f2a1c9e0b3d dp-sgd 0.4123 1.0E-5 1796457600000
 * </pre>
 *
 * A {@code charge} line is one entry: federation, round, coordinator (short form), mechanism, the
 * charge's epsilon alone at delta, delta, Unix milliseconds. The totals are what the cap is checked
 * against; the charges are the history people read.
 *
 * <p>A file that does not parse, or that tracks other orders, is refused with one line naming it,
 * never reset: a node that forgot what it spent would spend it again.
 */
public final class PrivacyLedgerFile implements ParticipantLedger.Store {
  static final String HEADER = "fedmesh-participant-privacy-ledger 1";
  private static final Pattern FEDERATION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private final Path file;

  public PrivacyLedgerFile(Path file) {
    this.file = file;
  }

  /** Where a node with data directory {@code dataDir} keeps its ledger. */
  public static Path in(Path dataDir) {
    return dataDir.resolve("privacy").resolve("participant-ledger.txt");
  }

  public Path path() {
    return file;
  }

  /**
   * Every federation's spend, in the file's order; empty if there is no file yet.
   *
   * @throws IOException naming the file, if it cannot be read or is not a ledger of this node's orders
   */
  public Map<String, FederationSpend> read() throws IOException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (CharacterCodingException e) {
      throw refused("not text");
    } catch (IOException e) {
      throw new IOException(file + ": cannot read the privacy ledger (" + e.getMessage() + ")", e);
    }
    List<String> lines = text.lines().toList();
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw refused("not a participant privacy ledger (the first line is not '" + HEADER + "')");
    }
    double[] orders = RdpBudget.zero().orders();
    Map<String, RdpBudget> totals = new LinkedHashMap<>();
    Map<String, List<Entry>> entries = new LinkedHashMap<>();
    boolean sawOrders = false;
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(" ");
      String at = "line " + (i + 1) + ": ";
      try {
        switch (f[0]) {
          case "orders" -> {
            if (sawOrders || !Arrays.equals(numbers(f, 1), orders)) {
              throw refused(at + "tracks other RDP orders than this node");
            }
            sawOrders = true;
          }
          case "federation" -> {
            if (!sawOrders || f.length < 2 || !FEDERATION.matcher(f[1]).matches() || totals.containsKey(f[1])) {
              throw refused(at + "a federation line before the orders, without a valid name, or repeated");
            }
            totals.put(f[1], RdpBudget.of(orders, numbers(f, 2)));
            entries.put(f[1], new ArrayList<>());
          }
          case "charge" -> {
            if (f.length != 8 || !totals.containsKey(f[1])) {
              throw refused(at + "a charge needs 7 fields and a federation listed above it");
            }
            long round = Long.parseLong(f[2]);
            double epsilon = Double.parseDouble(f[5]);
            double delta = Double.parseDouble(f[6]);
            long time = Long.parseLong(f[7]);
            if (round < 0 || !(epsilon >= 0) || !(delta > 0 && delta < 1) || f[3].isEmpty()) {
              throw refused(at + "a charge out of range");
            }
            entries.get(f[1]).add(new Entry(round, f[3], Mechanism.ofLabel(f[4]), epsilon, delta, time));
          }
          default -> throw refused(at + "unknown record '" + f[0] + "'");
        }
      } catch (IllegalArgumentException e) { // NumberFormatException, RdpBudget.of, Mechanism.ofLabel
        throw refused(at + e.getMessage());
      }
    }
    Map<String, FederationSpend> out = new LinkedHashMap<>();
    totals.forEach((name, total) -> out.put(name, new FederationSpend(total, entries.get(name))));
    return out;
  }

  @Override
  public void save(Map<String, FederationSpend> spends) throws IOException {
    StringBuilder out = new StringBuilder(HEADER).append('\n').append("orders");
    for (double o : RdpBudget.zero().orders()) {
      out.append(' ').append(o);
    }
    out.append('\n');
    for (var e : spends.entrySet()) {
      out.append("federation ").append(e.getKey());
      for (double r : e.getValue().total().rdp()) {
        out.append(' ').append(r);
      }
      out.append('\n');
    }
    for (var e : spends.entrySet()) {
      for (Entry c : e.getValue().entries()) {
        out.append("charge ").append(e.getKey()).append(' ').append(c.round()).append(' ').append(c.coordinator()).append(' ')
            .append(c.mechanism().label()).append(' ').append(c.epsilon()).append(' ').append(c.delta()).append(' ')
            .append(c.timeMillis()).append('\n');
      }
    }
    AtomicFiles.writeString(file, out.toString());
  }

  private static double[] numbers(String[] fields, int from) {
    double[] out = new double[fields.length - from];
    for (int i = 0; i < out.length; i++) {
      out[i] = Double.parseDouble(fields[from + i]);
    }
    return out;
  }

  private IOException refused(String why) {
    return new IOException(file + ": " + why + "; the privacy ledger is unusable: restore it from a backup (a node that "
        + "forgot what it spent would spend it again)");
  }
}
