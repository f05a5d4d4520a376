package io.fedmesh.node.cli;

import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.ParticipantLedger.Entry;
import io.fedmesh.coordinator.privacy.ParticipantLedger.FederationSpend;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.coordinator.privacy.SpendCheck;
import io.fedmesh.node.admin.AdminJson;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.config.ParticipantSettings;
import io.fedmesh.node.participant.PrivacyLedgerFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh privacy spent}: what this node, as a participant, has spent on its own data, read from
 * the privacy ledger in its data directory (no running node needed; the node writes the file
 * atomically, so a read never sees half a charge).
 */
@Command(
    name = "spent",
    mixinStandardHelpOptions = true,
    versionProvider = FedmeshVersion.class,
    sortOptions = false,
    description = {
        "Prints what this node's own privacy ledger has charged it per federation: rounds under the distributed discrete "
            + "Gaussian or DP-SGD it accepted, as epsilon at its privacy_cap's delta (or --delta, or 1e-5), rounded up, "
            + "its cap, and each charge. Central DP is not charged here (the coordinator adds that noise).",
        ""
    })
public final class PrivacySpentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", order = 1,
      description = "The node's config: its data_dir holds the ledger, its participant sections the caps.")
  Path config;

  @Option(names = "--federation", paramLabel = "NAME", order = 2, description = "Only this federation.")
  String federation;

  @Option(names = "--delta", paramLabel = "D", order = 3,
      description = "Report epsilon at this delta, in (0, 1), instead of each cap's (1e-5 where there is none).")
  Double delta;

  @Option(names = "--json", order = 4, description = "Print one JSON object: {\"ledger\", \"federations\": [{\"federation\", "
      + "\"epsilon\", \"delta\", \"cap\": {\"epsilon\", \"delta\"} or null, \"charges\": [{\"round\", \"coordinator\", "
      + "\"mechanism\", \"epsilon\", \"delta\", \"time\"}]}]}; epsilon exact (null if unbounded).")
  boolean json;

  /** One federation's line of the report. */
  private record Row(String federation, FederationSpend spend, PrivacyCap cap, double delta, double epsilon) {}

  @Override
  public Integer call() throws IOException {
    PrivacyCommand.check(spec, delta == null || (delta > 0 && delta < 1), "--delta must be in (0, 1), got " + delta);
    NodeConfig node;
    try {
      node = NodeConfig.load(config);
    } catch (NodeConfig.InvalidConfigException e) {
      throw new IllegalStateException(e.getMessage());
    }
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(node.dataDir()));
    Map<String, FederationSpend> spends = file.read();
    TreeSet<String> names = new TreeSet<>(spends.keySet());
    names.addAll(node.participant().keySet());
    if (federation != null) {
      if (!names.contains(federation)) {
        throw new IllegalStateException("federation '" + federation + "' has neither a participant section in " + config
            + " nor charges in " + file.path());
      }
      names.retainAll(List.of(federation));
    }
    List<Row> rows = new ArrayList<>();
    for (String name : names) {
      PrivacyCap cap = java.util.Optional.ofNullable(node.participant().get(name)).map(ParticipantSettings::policy)
          .flatMap(ParticipantPolicy::cap).orElse(null);
      double at = delta != null ? delta : cap != null ? cap.delta() : ParticipantLedger.DEFAULT_DELTA;
      FederationSpend spend = spends.getOrDefault(name, FederationSpend.NONE);
      // Nothing charged is 0, not the conversion's floor (0.103 at 1e-5), which would read as a spend.
      double epsilon = spend.entries().isEmpty() ? 0 : spend.total().epsilon(at).epsilon();
      rows.add(new Row(name, spend, cap, at, epsilon));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(json(file.path(), rows));
    } else if (rows.isEmpty()) {
      out.println("nothing charged: this node takes part in no federation and " + file.path()
          + (Files.exists(file.path()) ? " is empty" : " does not exist yet"));
    } else {
      rows.forEach(r -> text(out, r));
    }
    out.flush();
    return 0;
  }

  private static void text(PrintWriter out, Row r) {
    String cap = r.cap() == null ? "no cap" : "own cap " + SpendCheck.plain(r.cap().epsilon()) + " at delta "
        + SpendCheck.plain(r.cap().delta());
    if (r.spend().entries().isEmpty()) {
      out.println(r.federation() + ": nothing charged (" + cap + ")");
      return;
    }
    out.println(r.federation() + ": epsilon " + SpendCheck.roundedUp(r.epsilon()) + " at delta " + SpendCheck.plain(r.delta())
        + " (" + cap + "), " + r.spend().entries().size() + " charge(s)");
    for (Entry e : r.spend().entries()) {
      out.println(String.format(Locale.ROOT, "  round %-6d %s  coordinator %s  %-6s  epsilon %s alone at delta %s",
          e.round(), Instant.ofEpochMilli(e.timeMillis()), e.coordinator(), e.mechanism().label(),
          SpendCheck.roundedUp(e.epsilon()), SpendCheck.plain(e.delta())));
    }
  }

  private static String json(Path ledger, List<Row> rows) {
    StringBuilder s = new StringBuilder("{\"ledger\": ").append(AdminJson.string(ledger.toString())).append(", \"federations\": [");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      s.append(i == 0 ? "" : ", ").append("{\"federation\": ").append(AdminJson.string(r.federation()))
          .append(", \"epsilon\": ").append(PrivacyCommand.json(r.epsilon())).append(", \"delta\": ").append(r.delta())
          .append(", \"cap\": ").append(r.cap() == null ? "null"
              : "{\"epsilon\": " + r.cap().epsilon() + ", \"delta\": " + r.cap().delta() + "}")
          .append(", \"charges\": [");
      List<Entry> entries = r.spend().entries();
      for (int j = 0; j < entries.size(); j++) {
        Entry e = entries.get(j);
        s.append(j == 0 ? "" : ", ").append("{\"round\": ").append(e.round()).append(", \"coordinator\": ")
            .append(AdminJson.string(e.coordinator())).append(", \"mechanism\": ").append(AdminJson.string(e.mechanism().label()))
            .append(", \"epsilon\": ").append(PrivacyCommand.json(e.epsilon())).append(", \"delta\": ").append(e.delta())
            .append(", \"time\": ").append(AdminJson.string(Instant.ofEpochMilli(e.timeMillis()).toString())).append('}');
      }
      s.append("]}");
    }
    return s.append("]}").toString();
  }
}
