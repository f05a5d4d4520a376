package io.fedmesh.node.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fedmesh.coordinator.ledger.AuditChain;
import io.fedmesh.coordinator.ledger.LedgerRecords;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.admin.AdminJson;
import io.fedmesh.node.cli.FedmeshVersion;
import io.fedmesh.node.storage.AtomicFiles;
import io.fedmesh.proto.v1.ExportAuditRequest;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fedmesh audit}: a federation's signed, hash-chained audit trail. */
@Command(name = "audit", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class,
    description = {"Exports and verifies a federation's audit chain: every ledger record, each holding the hash of the one "
        + "before and its author's signature. Verification happens here, on this machine: it trusts neither the node "
        + "that served the chain nor the file.", ""},
    subcommands = {AuditCommand.Export.class, AuditCommand.Verify.class})
public final class AuditCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "no subcommand given (try 'fedmesh audit --help')");
  }

  static List<LedgerRecord> fetch(CommandSpec spec, LedgerTarget target) throws Exception {
    return target.call(spec, ledger -> {
      List<LedgerRecord> out = new ArrayList<>();
      Iterator<LedgerRecord> it = ledger.exportAudit(ExportAuditRequest.newBuilder().setFederation(target.federationId()).build());
      it.forEachRemaining(out::add);
      return out;
    });
  }

  /** The chain as JSON: people read the summary fields, {@code record} (base64 protobuf) is what verification checks. */
  static String json(String federation, List<LedgerRecord> records) {
    StringBuilder out = new StringBuilder("{\"federation\": ").append(AdminJson.string(federation)).append(", \"records\": [");
    for (int i = 0; i < records.size(); i++) {
      LedgerRecord r = records.get(i);
      LedgerAct a = r.getAct();
      out.append(i == 0 ? "\n" : ",\n").append("  {\"sequence\": ").append(r.getSequence())
          .append(", \"hash\": ").append(AdminJson.string(LedgerRecords.hex(LedgerRecords.hash(r))))
          .append(", \"previous_hash\": ").append(AdminJson.string(LedgerRecords.hex(r.getPreviousHash())))
          .append(", \"raft_term\": ").append(r.getRaftTerm())
          .append(", \"kind\": ").append(AdminJson.string(a.getBodyCase().name().toLowerCase(Locale.ROOT)))
          .append(", \"author\": ").append(AdminJson.string(a.getAuthor().getSha256().size() == NodeId.BYTES
              ? NodeId.ofBytes(a.getAuthor().getSha256().toByteArray()).hex() : ""))
          .append(", \"time_millis\": ").append(a.getTimeMillis())
          .append(", \"record\": ").append(AdminJson.string(Base64.getEncoder().encodeToString(r.toByteArray()))).append('}');
    }
    return out.append("\n]}").toString();
  }

  /** {@code fedmesh audit export}. */
  @Command(name = "export", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Prints --federation's audit chain from the node at --target, one line per record (or JSON), "
          + "after verifying it here; exit 1 if it does not verify (the file is still written, to look into).", ""})
  public static final class Export implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LedgerTarget target;

    @Option(names = "--json", description = "One JSON object: {\"federation\", \"records\": [{\"sequence\", \"hash\", "
        + "\"previous_hash\", \"raft_term\", \"kind\", \"author\", \"time_millis\", \"record\"}]}; record is the record's "
        + "protobuf in base64, which 'fedmesh audit verify --file' checks.")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the JSON to FILE (atomically) instead of printing.")
    Path file;

    @Override
    public Integer call() throws Exception {
      List<LedgerRecord> records = fetch(spec, target);
      PrintWriter out = spec.commandLine().getOut();
      if (file != null) {
        AtomicFiles.writeString(file, json(target.federation, records) + "\n");
        out.println("wrote " + records.size() + " record(s) to " + file);
      } else if (json) {
        out.println(json(target.federation, records));
      } else {
        for (LedgerRecord r : records) {
          out.println(String.format(Locale.ROOT, "%6d  term %-4d %-16s %s  %s", r.getSequence(), r.getRaftTerm(),
              r.getAct().getBodyCase().name().toLowerCase(Locale.ROOT),
              NodeId.ofBytes(r.getAct().getAuthor().getSha256().toByteArray()).shortForm(),
              LedgerRecords.hex(LedgerRecords.hash(r)).substring(0, 16)));
        }
      }
      return Verify.verdict(spec, target.federation, records);
    }
  }

  /** {@code fedmesh audit verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = FedmeshVersion.class, sortOptions = false,
      description = {"Verifies a federation's audit chain from genesis: each record's sequence and back-link, every author's "
          + "key and signature, and that every act was one the ledger accepts at that point (by replaying them all). "
          + "Names the first bad record. The chain comes from the node at --target, or from a file 'fedmesh audit export "
          + "--out' wrote. Exit 0 if it holds, 1 if not.", ""})
  public static final class Verify implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--file", paramLabel = "FILE", description = "An exported chain (JSON), instead of asking a node.")
    Path file;

    @Option(names = "--config", paramLabel = "FILE", description = "Without --file: the asking node's config (its identity).")
    Path config;

    @Option(names = "--target", paramLabel = "HOST:PORT", description = "Without --file: a coordinator-eligible node of the federation.")
    String target;

    @Option(names = "--federation", paramLabel = "NAME", description = "Without --file: the federation.")
    String federation;

    @Override
    public Integer call() throws Exception {
      if (file != null) {
        if (config != null || target != null || federation != null) {
          throw new ParameterException(spec.commandLine(), "give either --file, or --config, --target and --federation");
        }
        Exported e = read(file);
        return verdict(spec, e.federation(), e.records());
      }
      if (config == null || target == null || federation == null) {
        throw new ParameterException(spec.commandLine(), "give either --file, or --config, --target and --federation");
      }
      return verdict(spec, federation, fetch(spec, LedgerTarget.of(config, target, federation)));
    }

    static int verdict(CommandSpec spec, String federation, List<LedgerRecord> records) {
      Optional<AuditChain.Failure> failure = AuditChain.verify(federation, records);
      if (failure.isPresent()) {
        spec.commandLine().getErr().println("fedmesh: audit chain of " + federation + " does not verify: " + failure.get());
        return 1;
      }
      spec.commandLine().getOut().println("audit chain of " + federation + " verified: " + records.size() + " record(s)"
          + (records.isEmpty() ? "" : ", head " + LedgerRecords.hex(LedgerRecords.hash(records.get(records.size() - 1)))));
      return 0;
    }
  }

  record Exported(String federation, List<LedgerRecord> records) {}

  /** Reads an export; a record whose listed hash is not its own is reported as the first bad one. */
  static Exported read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalStateException(file + ": no such file");
    }
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (RuntimeException e) {
      throw new IllegalStateException(file + ": not an exported audit chain (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (!(root instanceof Map<?, ?> m) || !(m.get("federation") instanceof String federation) || !(m.get("records") instanceof List<?> list)) {
      throw new IllegalStateException(file + ": not an exported audit chain (needs \"federation\" and \"records\")");
    }
    List<LedgerRecord> records = new ArrayList<>();
    for (Object o : list) {
      long at = records.size() + 1L;
      if (!(o instanceof Map<?, ?> r) || !(r.get("record") instanceof String b64)) {
        throw new IllegalStateException(file + ": record " + at + " has no \"record\" field");
      }
      LedgerRecord record;
      try {
        record = LedgerRecord.parseFrom(Base64.getDecoder().decode(b64));
      } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
        throw new IllegalStateException(file + ": record " + at + " does not decode: " + e.getMessage());
      }
      Object listed = r.get("hash");
      if (listed != null && !LedgerRecords.hex(LedgerRecords.hash(record)).equals(String.valueOf(listed))) {
        throw new IllegalStateException(file + ": record " + at + ": its listed hash is not the hash of its content");
      }
      records.add(record);
    }
    return new Exported(federation, records);
  }
}
