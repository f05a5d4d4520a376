package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fedmesh.node.cli.FedmeshMain;
import io.fedmesh.node.round.RoundControl;
import io.fedmesh.node.round.RoundStatus;
import io.fedmesh.proto.v1.AdminGrpc;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.ListModelsRequest;
import io.fedmesh.proto.v1.PullModelRequest;
import io.fedmesh.proto.v1.RoundStatusRequest;
import io.fedmesh.proto.v1.StartRoundsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Admin service on a real node (127.0.0.1, mutual TLS) through the CLI an operator uses: rounds
 * through a {@link RoundControl} (a scripted one here: the coordinator driver is attached the same way),
 * models from the node's store, the federation as configured; who is refused, and why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AdminServiceTest {
  private static final String FEDERATION = "card-fraud";
  private Path dir;
  private TestMesh mesh;
  private TestMesh.Identity server;
  private TestMesh.Identity admin;
  private TestMesh.Identity participant;
  private Path adminConfig;
  private Path participantConfig;
  private NodeServer node;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    this.dir = dir;
    mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    server = mesh.node("server");
    admin = mesh.node("admin");
    participant = mesh.node("participant");
    node = mesh.start(dir, server, String.join("\n",
        "federations:",
        "  card-fraud:",
        "    members:",
        "      " + server.id().hex() + ": [participant, coordinator-eligible]",
        "      " + admin.id().hex() + ": [admin, participant]",
        "      " + participant.id().hex() + ": [participant]",
        "  market-signals:",
        "    members:",
        "      " + participant.id().hex() + ": [admin, participant]",
        ""));
    adminConfig = clientConfig(admin);
    participantConfig = clientConfig(participant);
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private Path clientConfig(TestMesh.Identity who) throws Exception {
    return Files.writeString(dir.resolve(who.dir().getFileName() + "-client.yaml"),
        "data_dir: " + who.dir() + "\ntls: {crl: " + mesh.dir.resolve("crl.pem") + "}\n");
  }

  /** What one command printed and its exit code. */
  private record Run(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    JsonObject json() {
      return JsonParser.parseString(out).getAsJsonObject();
    }
  }

  private Run fedmesh(Path config, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (config != null) {
      all.addAll(List.of("--config", config.toString(), "--target", "127.0.0.1:" + node.port()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FedmeshMain.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private <T> T call(TestMesh.Identity who, Function<AdminGrpc.AdminBlockingStub, T> rpc) throws Exception {
    ManagedChannel channel = TestMesh.channel(node.port(), who, mesh.dir.resolve("ca.crt"));
    try {
      return rpc.apply(AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void assertRefused(TestMesh.Identity who, Function<AdminGrpc.AdminBlockingStub, ?> rpc, Status.Code code, String reason) {
    assertThatThrownBy(() -> call(who, rpc)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).startsWith(reason).doesNotContain("\n");
    });
  }

  private static FederationId federation(String name) {
    return FederationId.newBuilder().setName(name).build();
  }

  /**
   * A coordinator that reports a scripted run: each status call moves one step on (the last step
   * stays), so a watch sees every step. start checks what the driver checks.
   */
  private static final class ScriptedRounds implements RoundControl {
    private final List<RoundStatus> script;
    private int calls;
    volatile int started;

    ScriptedRounds(List<RoundStatus> script) {
      this.script = script;
    }

    @Override
    public synchronized RoundStatus start(String federation, int rounds) {
      if (!federation.equals(FEDERATION)) {
        throw new IllegalArgumentException("federation '" + federation + "' has no rounds section");
      }
      if (started > 0) {
        throw new IllegalStateException("rounds of " + federation + " are already running");
      }
      started = rounds;
      return new RoundStatus(federation, 1, "inviting", 0, 0, 0, 0, rounds - 1, "", List.of());
    }

    @Override
    public boolean coordinates(String federation) {
      return federation.equals(FEDERATION);
    }

    @Override
    public synchronized Optional<RoundStatus> status(String federation) {
      if (!federation.equals(FEDERATION) || script.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(script.get(Math.min(calls++, script.size() - 1)));
    }
  }

  private static final String MODEL_1 = "a".repeat(64);
  private static final String MODEL_2 = "b".repeat(64);
  private static final RoundStatus.Finished COMMITTED =
      new RoundStatus.Finished(1, "committed", "", MODEL_1, 3, 1200, 0.5, 0.8, 0.9, 1500);
  private static final RoundStatus.Finished ABORTED =
      new RoundStatus.Finished(2, "aborted", "too few survivors (1 < 2)", "", 0, 0, Double.NaN, Double.NaN, Double.NaN, 3000);

  /** Two rounds: the first commits, the second aborts. */
  private static List<RoundStatus> twoRounds() {
    return List.of(
        new RoundStatus(FEDERATION, 1, "inviting", 3, 0, 0, 0, 1, "", List.of()),
        new RoundStatus(FEDERATION, 1, "advertise_keys", 3, 3, 0, 0, 1, "", List.of()),
        new RoundStatus(FEDERATION, 1, "advertise_keys", 3, 3, 0, 0, 1, "", List.of()),
        new RoundStatus(FEDERATION, 2, "inviting", 3, 0, 0, 0, 0, MODEL_1, List.of(COMMITTED)),
        new RoundStatus(FEDERATION, 2, "unmasking", 3, 2, 1, 1, 0, MODEL_1, List.of(COMMITTED)),
        new RoundStatus(FEDERATION, 2, "idle", 3, 2, 1, 1, 0, MODEL_1, List.of(COMMITTED, ABORTED)));
  }

  @Test
  void roundsStartShowTheirStatusAndAWatchFollowsThemUntilTheLastEnds() {
    node.roundControl(new ScriptedRounds(twoRounds()));
    try {
      Run start = fedmesh(adminConfig, "round", "start", "--federation", FEDERATION, "--rounds", "2");
      assertThat(start.code()).as(start.err()).isZero();
      assertThat(start.lines()).containsExactly("federation card-fraud, global model none yet",
          "round 1  inviting  invited 0  advertised 0  declined 0  dropped 0  (1 round left)");
      Run again = fedmesh(adminConfig, "round", "start", "--federation", FEDERATION);
      assertThat(again.code()).isEqualTo(1);
      assertThat(again.err().strip()).isEqualTo("fedmesh: 127.0.0.1:" + node.port()
          + ": FAILED_PRECONDITION: rounds of card-fraud are already running");

      Run watch = fedmesh(adminConfig, "round", "watch", "--federation", FEDERATION);
      assertThat(watch.code()).as(watch.err()).isZero();
      assertThat(watch.lines()).containsExactly(
          "round 1  inviting  invited 3  advertised 0  declined 0  dropped 0  (1 round left)",
          "round 1  advertise_keys  invited 3  advertised 3  declined 0  dropped 0  (1 round left)",
          "round 1  committed  contributors 3  loss 0.5000  accuracy 0.8000  AUC 0.9000  (1.5 s)",
          "round 2  inviting  invited 3  advertised 0  declined 0  dropped 0  (0 rounds left)",
          "round 2  unmasking  invited 3  advertised 2  declined 1  dropped 1  (0 rounds left)",
          "round 2  aborted (too few survivors (1 < 2))  contributors 0  loss n/a  accuracy n/a  AUC n/a  (3.0 s)",
          "round 2  idle  invited 3  advertised 2  declined 1  dropped 1  (0 rounds left)");

      // Once it is over, a status shows the whole history; a watch ends at once.
      Run status = fedmesh(adminConfig, "round", "status", "--federation", FEDERATION, "--json");
      assertThat(status.code()).as(status.err()).isZero();
      JsonObject json = status.json();
      assertThat(json.get("round").getAsLong()).isEqualTo(2);
      assertThat(json.get("phase").getAsString()).isEqualTo("idle");
      assertThat(json.get("model_sha256").getAsString()).isEqualTo(MODEL_1);
      assertThat(json.getAsJsonArray("history")).hasSize(2);
      JsonObject first = json.getAsJsonArray("history").get(0).getAsJsonObject();
      assertThat(first.get("outcome").getAsString()).isEqualTo("committed");
      assertThat(first.get("auc").getAsDouble()).isEqualTo(0.9);
      JsonObject second = json.getAsJsonArray("history").get(1).getAsJsonObject();
      assertThat(second.get("reason").getAsString()).isEqualTo("too few survivors (1 < 2)");
      assertThat(second.get("loss").isJsonNull()).isTrue();
      Run over = fedmesh(adminConfig, "round", "watch", "--federation", FEDERATION, "--json");
      assertThat(over.code()).as(over.err()).isZero();
      assertThat(over.lines()).hasSize(1);
      assertThat(JsonParser.parseString(over.lines().get(0)).getAsJsonObject().getAsJsonArray("history")).hasSize(2);
    } finally {
      node.roundControl(null);
    }
  }

  @Test
  void aJsonWatchSendsEachFinishedRoundOnce() {
    node.roundControl(new ScriptedRounds(twoRounds()));
    try {
      Run watch = fedmesh(adminConfig, "round", "watch", "--federation", FEDERATION, "--json");
      assertThat(watch.code()).as(watch.err()).isZero();
      List<JsonObject> lines = watch.lines().stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
      assertThat(lines).hasSize(5);
      assertThat(lines.stream().mapToInt(l -> l.getAsJsonArray("history").size()).sum()).isEqualTo(2);
      assertThat(lines.get(lines.size() - 1).get("rounds_left").getAsInt()).isZero();
    } finally {
      node.roundControl(null);
    }
  }

  @Test
  void roundCallsWithoutACoordinatorOrItsFederationFailWithOneLine() throws Exception {
    node.roundControl(null);
    Run status = fedmesh(adminConfig, "round", "status", "--federation", FEDERATION);
    assertThat(status.code()).isEqualTo(1);
    assertThat(status.err().strip()).isEqualTo("fedmesh: 127.0.0.1:" + node.port()
        + ": FAILED_PRECONDITION: this node runs no coordinator");
    assertThat(fedmesh(adminConfig, "round", "start", "--federation", FEDERATION).err())
        .contains("FAILED_PRECONDITION: this node runs no coordinator");
    assertThat(fedmesh(adminConfig, "round", "watch", "--federation", FEDERATION).err())
        .contains("FAILED_PRECONDITION: this node runs no coordinator");

    node.roundControl(new ScriptedRounds(List.of()));
    try {
      Run never = fedmesh(adminConfig, "round", "watch", "--federation", FEDERATION);
      assertThat(never.code()).isEqualTo(1);
      assertThat(never.err()).contains("NOT_FOUND: this node never coordinated federation 'card-fraud'").hasLineCount(1);
      // A federation this node is in but whose rounds the driver cannot run.
      assertRefused(participant, s -> s.startRounds(StartRoundsRequest.newBuilder().setFederation(federation("market-signals"))
          .setRounds(1).build()), Status.Code.INVALID_ARGUMENT, "federation 'market-signals' has no rounds section");
    } finally {
      node.roundControl(null);
    }
  }

  @Test
  void onlyAdminsOfTheNamedFederationGetIn() throws Exception {
    double served = TestMesh.metric(node, "fedmesh_admin_requests_total");
    for (String[] command : List.of(new String[] {"round", "status"}, new String[] {"round", "start"},
        new String[] {"round", "watch"}, new String[] {"model", "list"}, new String[] {"federation", "describe"})) {
      List<String> args = new ArrayList<>(List.of(command));
      args.addAll(List.of("--federation", FEDERATION));
      Run refused = fedmesh(participantConfig, args.toArray(String[]::new));
      assertThat(refused.code()).as(String.join(" ", command)).isEqualTo(1);
      assertThat(refused.err()).as(String.join(" ", command)).contains("PERMISSION_DENIED: missing_role: this call needs ROLE_ADMIN")
          .hasLineCount(1);
      assertThat(refused.out()).isEmpty();
    }
    assertRefused(participant, s -> s.pullModel(PullModelRequest.newBuilder().setFederation(federation(FEDERATION))
        .setSha256(MODEL_1).build()).hasNext(), Status.Code.PERMISSION_DENIED, "missing_role");
    // An admin of one federation is nobody in another.
    assertRefused(admin, s -> s.listModels(ListModelsRequest.newBuilder().setFederation(federation("market-signals")).build()),
        Status.Code.PERMISSION_DENIED, "not_a_member");
    assertThat(TestMesh.metric(node, "fedmesh_authorization_failures_total{reason=\"missing_role\"}")).isGreaterThanOrEqualTo(6);
    assertThat(TestMesh.metric(node, "fedmesh_admin_requests_total")).as("refused before the service").isEqualTo(served);
  }

  @Test
  void badInputsAreRefusedWithAReasonAndCounted() throws Exception {
    String startRefused = "fedmesh_admin_requests_total{method=\"StartRounds\",outcome=\"invalid_argument\"}";
    String pullRefused = "fedmesh_admin_requests_total{method=\"PullModel\",outcome=\"invalid_argument\"}";
    String pullNotFound = "fedmesh_admin_requests_total{method=\"PullModel\",outcome=\"not_found\"}";
    double[] before = {TestMesh.metric(node, startRefused), TestMesh.metric(node, pullRefused), TestMesh.metric(node, pullNotFound)};
    node.roundControl(new ScriptedRounds(twoRounds()));
    try {
      // An unknown federation is refused by authorisation, before the service: no role there.
      assertRefused(admin, s -> s.getRoundStatus(RoundStatusRequest.newBuilder().setFederation(federation("no-such")).build()),
          Status.Code.PERMISSION_DENIED, "unknown_federation: this node is in no federation 'no-such'");
      Run unknown = fedmesh(adminConfig, "federation", "describe", "--federation", "no-such");
      assertThat(unknown.code()).isEqualTo(1);
      assertThat(unknown.err()).contains("unknown_federation: this node is in no federation 'no-such'").hasLineCount(1);
      for (int rounds : new int[] {0, 100_001, -1}) {
        assertRefused(admin, s -> s.startRounds(StartRoundsRequest.newBuilder().setFederation(federation(FEDERATION))
            .setRounds(rounds).build()), Status.Code.INVALID_ARGUMENT, "rounds must be 1 to 100000, got ");
      }
      assertRefused(admin, s -> s.pullModel(PullModelRequest.newBuilder().setFederation(federation(FEDERATION))
          .setSha256("not-a-hash").build()).hasNext(), Status.Code.INVALID_ARGUMENT, "sha256 must be 64 hex digits, got 'not-a-hash'");
      assertRefused(admin, s -> s.pullModel(PullModelRequest.newBuilder().setFederation(federation(FEDERATION))
          .setSha256(MODEL_2).build()).hasNext(), Status.Code.NOT_FOUND, "model " + MODEL_2 + " is not in the store of federation 'card-fraud'");
      assertRefused(admin, s -> s.listModels(ListModelsRequest.newBuilder().setFederation(federation(FEDERATION))
          .setSha256(MODEL_2.toUpperCase()).build()), Status.Code.NOT_FOUND, "model " + MODEL_2 + " is not in the store");
      assertThat(TestMesh.metric(node, startRefused)).isEqualTo(before[0] + 3);
      assertThat(TestMesh.metric(node, pullRefused)).isEqualTo(before[1] + 1);
      assertThat(TestMesh.metric(node, pullNotFound)).isEqualTo(before[2] + 1);

      // The CLI refuses what it can see is wrong before calling (exit 2).
      Run zero = fedmesh(adminConfig, "round", "start", "--federation", FEDERATION, "--rounds", "0");
      assertThat(zero.code()).isEqualTo(2);
      assertThat(zero.err()).contains("--rounds must be 1 to 100000, got 0").hasLineCount(1);
      Run badHash = fedmesh(adminConfig, "model", "pull", "--federation", FEDERATION, "xyz", "--out", dir.resolve("x").toString());
      assertThat(badHash.code()).isEqualTo(2);
      assertThat(badHash.err()).contains("SHA256 must be 64 hex digits, got 'xyz'");
    } finally {
      node.roundControl(null);
    }
  }

  @Test
  void aPulledModelArrivesByteIdenticalVerifiesAndATamperedCopyDoesNot() throws Exception {
    byte[] blob = new byte[(5 << 20) / 2 + 17];   // three chunks, the last one short
    new Random(42).nextBytes(blob);
    String manifest = "layout: dense 30x16 relu, dense 16x2\nparameters: 530\n";
    String id = node.models(FEDERATION).put(blob, manifest);

    Run list = fedmesh(adminConfig, "model", "list", "--federation", FEDERATION, "--json");
    assertThat(list.code()).as(list.err()).isZero();
    JsonObject listed = list.json().getAsJsonArray("models").get(0).getAsJsonObject();
    assertThat(listed.get("sha256").getAsString()).isEqualTo(id);
    assertThat(listed.get("size_bytes").getAsLong()).isEqualTo(blob.length);
    assertThat(listed.get("manifest").getAsString()).isEqualTo(manifest);
    assertThat(listed.get("damaged").getAsBoolean()).isFalse();
    assertThat(fedmesh(adminConfig, "model", "list", "--federation", FEDERATION).out())
        .isEqualTo(String.format(java.util.Locale.ROOT, "%s  %,d bytes  layout: dense 30x16 relu, dense 16x2%n", id, blob.length));

    Path out = dir.resolve("pulled").resolve("model.bin");
    Files.createDirectories(out.getParent());
    Run pull = fedmesh(adminConfig, "model", "pull", "--federation", FEDERATION, id.toUpperCase(), "--out", out.toString(), "--json");
    assertThat(pull.code()).as(pull.err()).isZero();
    assertThat(pull.json().get("sha256").getAsString()).isEqualTo(id);
    assertThat(Files.readAllBytes(out)).isEqualTo(blob);
    assertThat(Files.readString(dir.resolve("pulled").resolve("model.bin.manifest"))).isEqualTo(manifest);
    try (var left = Files.list(out.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.bin", "model.bin.manifest");
    }

    Run verify = fedmesh(null, "model", "verify", out.toString(), "--sha256", id);
    assertThat(verify.code()).as(verify.err()).isZero();
    assertThat(verify.out()).contains("SHA-256 " + id + " (as expected)");
    // The store's own layout: the name is the expected hash, the manifest is <sha256>.manifest.
    Path stored = server.dir().resolve("models").resolve(FEDERATION).resolve(id + ".bin");
    assertThat(fedmesh(null, "model", "verify", stored.toString()).code()).isZero();

    // One flipped byte: verify fails with one line, and --json says why for scripts.
    byte[] tampered = blob.clone();
    tampered[1234] ^= 1;
    Files.write(out, tampered);
    Run bad = fedmesh(null, "model", "verify", out.toString(), "--sha256", id, "--json");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.json().get("ok").getAsBoolean()).isFalse();
    assertThat(bad.json().get("expected").getAsString()).isEqualTo(id);
    assertThat(bad.err()).startsWith("fedmesh: " + out + ": SHA-256 is ").contains(", expected " + id).hasLineCount(1);
    Files.write(out, blob);
    Files.delete(dir.resolve("pulled").resolve("model.bin.manifest"));
    Run noManifest = fedmesh(null, "model", "verify", out.toString(), "--sha256", id);
    assertThat(noManifest.code()).isEqualTo(1);
    assertThat(noManifest.err()).contains("no manifest beside it");

    // A model damaged in the node's store is listed as such and never handed out; the old copy stays.
    Files.write(stored, tampered);
    assertThat(fedmesh(adminConfig, "model", "list", "--federation", FEDERATION).out()).contains(id + "  DAMAGED");
    Run damaged = fedmesh(adminConfig, "model", "pull", "--federation", FEDERATION, id, "--out", out.toString());
    assertThat(damaged.code()).isEqualTo(1);
    assertThat(damaged.err()).contains("is damaged").hasLineCount(1);
    assertRefused(admin, s -> s.pullModel(PullModelRequest.newBuilder().setFederation(federation(FEDERATION))
        .setSha256(id).build()).hasNext(), Status.Code.DATA_LOSS, "model " + id + " is damaged on disk");
    assertThat(Files.readAllBytes(out)).isEqualTo(blob);
    Files.write(stored, blob);
  }

  @Test
  void describeShowsMembersRolesAndWhetherACoordinatorRuns() {
    Run human = fedmesh(adminConfig, "federation", "describe", "--federation", FEDERATION);
    assertThat(human.code()).as(human.err()).isZero();
    // Members come in ascending node id order (the federation directory's, as the ledger keeps them).
    java.util.TreeMap<String, String> members = new java.util.TreeMap<>(java.util.Map.of(
        server.id().hex(), "participant, coordinator-eligible", admin.id().hex(), "participant, admin",
        participant.id().hex(), "participant"));
    List<String> expected = new java.util.ArrayList<>(List.of("federation card-fraud (no coordinator runs on this node)", "members:"));
    members.forEach((id, roles) -> expected.add("  " + id + "  " + roles));
    expected.add("rounds: none in this node's config");
    assertThat(human.lines()).containsExactlyElementsOf(expected);
    node.roundControl(new ScriptedRounds(List.of()));
    try {
      Run json = fedmesh(adminConfig, "federation", "describe", "--federation", FEDERATION, "--json");
      assertThat(json.code()).as(json.err()).isZero();
      assertThat(json.json().get("runs_coordinator").getAsBoolean()).isTrue();
      assertThat(json.json().get("rounds_yaml").isJsonNull()).isTrue();
      assertThat(json.json().getAsJsonArray("members")).hasSize(3);
      int adminAt = new java.util.ArrayList<>(members.keySet()).indexOf(admin.id().hex());
      assertThat(json.json().getAsJsonArray("members").get(adminAt).getAsJsonObject().getAsJsonArray("roles").toString())
          .isEqualTo("[\"participant\",\"admin\"]");
    } finally {
      node.roundControl(null);
    }
  }

  @Test
  void helpExplainsEachCommand() {
    Run help = fedmesh(null, "round", "watch", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: fedmesh round watch", "--config=FILE", "--target=HOST:PORT", "--federation=NAME",
        "--json", "Ends (exit 0) when no rounds are left");
    assertThat(fedmesh(null, "--help").out()).contains("round", "model", "federation");
  }

  @Test
  void aWatchTheClientCancelsIsCountedAndStopsPolling() throws Exception {
    RoundStatus running = new RoundStatus(FEDERATION, 1, "training", 3, 0, 0, 0, 5, "", List.of());
    node.roundControl(new ScriptedRounds(List.of(running)));
    ManagedChannel channel = TestMesh.channel(node.port(), admin, mesh.dir.resolve("ca.crt"));
    try {
      var changes = AdminGrpc.newBlockingStub(channel).watchRounds(RoundStatusRequest.newBuilder()
          .setFederation(federation(FEDERATION)).build());
      assertThat(changes.next().getPhase()).isEqualTo("training");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    try {
      assertThat(TestMesh.waitFor(() -> TestMesh.metric(node,
          "fedmesh_admin_requests_total{method=\"WatchRounds\",outcome=\"cancelled\"}") == 1, 5_000)).isTrue();
    } finally {
      node.roundControl(null);
    }
  }
}
