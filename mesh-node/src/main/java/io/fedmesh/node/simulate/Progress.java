package io.fedmesh.node.simulate;

import io.fedmesh.coordinator.simulation.RoundRecord;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on stderr: redrawn in place after each round on a terminal, one line per round
 * otherwise (logs and pipes keep every round).
 */
final class Progress {
  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final int rounds;
  private final boolean terminal;

  Progress(PrintWriter err, int rounds, boolean terminal) {
    this.err = err;
    this.rounds = rounds;
    this.terminal = terminal;
  }

  void round(RoundRecord r, PrivacyTracker privacy) {
    int filled = (int) ((long) WIDTH * r.round() / rounds);
    String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    err.print(String.format(Locale.ROOT, (terminal ? "\r" : "") + "round %d/%d [%s] accuracy %.4f loss %.4f%s%s", r.round(), rounds, bar,
        r.test().accuracy(), r.test().loss(),
        r.baseline() == null ? "" : String.format(Locale.ROOT, privacy == null ? " (central %.4f)" : " (central, non-private %.4f)",
            r.baseline().accuracy()),
        privacy == null ? "" : " epsilon " + io.fedmesh.ml.privacy.DpGuarantee.roundedUp(privacy.epsilon(), 4))
        + (r.committed() ? "" : " (aborted: " + r.reason() + ")"));
    if (!terminal) {
      err.println();
    }
    err.flush();
  }

  void done() {
    if (terminal) {
      err.println();
    }
    err.flush();
  }
}
