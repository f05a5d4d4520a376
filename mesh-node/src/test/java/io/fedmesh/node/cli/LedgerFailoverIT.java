package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Three coordinator-eligible nodes and three participants, one process each, made as docs/ledger.md
 * describes: the federation is created from the CLI (genesis), its Raft leader coordinates, and the
 * leader is killed with SIGKILL in the middle of a round. A new leader is elected and announced, the
 * round is aborted and run again, the rounds commit; nothing committed before the kill is lost or
 * changed, and the audit chain verifies on every node, the restarted one included once it caught up.
 * Then governance: a proposal with M-1 approvals changes nothing, the M-th commits it; and a flipped
 * byte in an exported record or in a stored model is found.
 */
class LedgerFailoverIT {
  /** Rounds asked for: enough that the kill, which waits on slow chain reads, lands with rounds left. */
  static final int ROUNDS = 60;

  static final String FED = "card-fraud";
  static final Pattern LEADER = Pattern.compile("\"leader\": ?\"([0-9a-f]{64})\"");
  static final Pattern TERM = Pattern.compile("\"term\": ?(\\d+)");
  static final Pattern SEQUENCE = Pattern.compile("\"sequence\": ?(\\d+)");
  static final Pattern HASH = Pattern.compile("\"hash\": ?\"([0-9a-f]*)\"");
  static final Pattern LAST_ROUND = Pattern.compile("\"last_round\": ?(\\d+)");
  static final Pattern MODEL = Pattern.compile("\"model_sha256\": ?\"([0-9a-f]*)\"");

  record Node(String name, String id, Path config, int grpc, int raft) {
    String target() {
      return "127.0.0.1:" + grpc;
    }
  }

  @Test
  void theLeaderIsKilledMidRoundAndTheFederationGoesOnWithoutLosingAnything() throws Exception {
    try (LauncherNodes nodes = new LauncherNodes("fedmesh-ledger")) {
      run(nodes);
    }
  }

  private void run(LauncherNodes nodes) throws Exception {
    Map<String, Node> all = new LinkedHashMap<>();
    String[] names = {"c1", "c2", "c3", "p1", "p2", "p3"};
    Map<String, String> ids = new LinkedHashMap<>();
    for (String n : names) {
      ids.put(n, nodes.identity(n));
    }
    StringBuilder members = new StringBuilder();
    for (String n : names) {
      members.append("      ").append(ids.get(n)).append(n.startsWith("c") ? ": [coordinator-eligible, admin]\n" : ": [participant]\n");
    }
    int[] grpc = new int[names.length];
    int[] raft = new int[3];
    for (int i = 0; i < names.length; i++) {
      grpc[i] = freePort();
    }
    for (int i = 0; i < 3; i++) {
      raft[i] = freePort();
    }
    String seeds = "seeds: [" + ids.get("c1") + "@127.0.0.1:" + grpc[0] + ", " + ids.get("c2") + "@127.0.0.1:" + grpc[1] + "]\n";
    String federation = "federations:\n  " + FED + ":\n    members:\n" + members
        + "    rounds:\n      coordinator: elected\n      model: mlp:16\n      input_shape: [12]\n      classes: 2\n"
        // FedAdam: its moments live in the committed state after the model, so the new leader must carry them on.
        + "      strategy: fedadam\n      server_lr: 0.01\n"
        + "      participants: {min: 3}\n      deadlines_ms: {train: 30000, phase: 15000, evaluation: 15000}\n";
    for (int i = 0; i < names.length; i++) {
      String n = names[i];
      String yaml = "listen: 127.0.0.1:" + grpc[i] + "\nmetrics_listen: 127.0.0.1:0\n"
          + "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n" + seeds + federation;
      if (i < 3) {
        yaml += "raft: {listen: 127.0.0.1:" + raft[i] + ", election_timeout_ms: {min: 1000, max: 2000}, snapshot_every: 20}\n";
      } else {
        yaml += "participant:\n  " + FED + ":\n    data: {synthetic: {institution: " + (i - 3) + ", institutions: 3, rows: 3000}}\n";
      }
      Path config = Files.writeString(nodes.work.resolve(n + "/node.yaml"), yaml);
      FedmeshLauncherIT.Result check = FedmeshLauncherIT.fedmesh("config", "check", config.toString());
      assertThat(check.exitCode()).as(n + ": " + check.stdout() + check.stderr()).isZero();
      all.put(n, new Node(n, ids.get(n), config, grpc[i], i < 3 ? raft[i] : 0));
    }
    Map<String, Integer> process = new LinkedHashMap<>();
    for (Node n : all.values()) {
      process.put(n.name(), nodes.processes.size());
      nodes.start(n.config(), n.name().startsWith("c") ? "listening on port (\\d+)" : "taking part in the rounds of federation");
    }
    Node c1 = all.get("c1");

    // Genesis from the CLI, once gossip has told c1 about everyone.
    FedmeshLauncherIT.Result created = retry(60, () -> FedmeshLauncherIT.fedmesh("federation", "create", FED,
        "--coordinators", ids.get("c1") + "," + ids.get("c2") + "," + ids.get("c3"),
        "--admins", ids.get("c1") + "," + ids.get("c2") + "," + ids.get("c3"),
        "--participants", ids.get("p1") + "," + ids.get("p2") + "," + ids.get("p3"),
        "--approvals", "2", "--config", c1.config().toString(), "--target", c1.target()), r -> r.exitCode() == 0);
    assertThat(created.stdout()).contains("federation card-fraud created");

    String head = retry(30, () -> head(c1), h -> LEADER.matcher(h).find());
    Node leader = byId(all, group(LEADER, head));
    long firstTerm = Long.parseLong(group(TERM, head));

    FedmeshLauncherIT.Result start = retry(60, () -> FedmeshLauncherIT.fedmesh("round", "start", "--config",
        leader.config().toString(), "--target", leader.target(), "--federation", FED, "--rounds", String.valueOf(ROUNDS)), r -> r.exitCode() == 0);
    assertThat(start.exitCode()).as(start.stderr()).isZero();

    // Kill the leader once round 1 committed and round 2 started.
    // Rounds take about a second here: the chain read that decides the kill is also what must survive it.
    // Early enough that rounds are left for the new leader (a loaded machine reads the chain slowly).
    String before = retry(180, () -> audit(leader), a -> count(a, "round_committed") >= 2 && openInTerm(a, firstTerm)
        && count(a, "round_committed") < ROUNDS - 10);
    List<String> chainBefore = hashes(before);
    long killedAt = System.nanoTime();
    long killedAtMillis = System.currentTimeMillis();
    nodes.processes.get(process.get(leader.name())).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    List<Node> survivors = all.values().stream().filter(n -> n.name().startsWith("c") && n != leader).toList();

    String after = retry(60, () -> head(survivors.get(0)), h -> LEADER.matcher(h).find() && !group(LEADER, h).equals(leader.id())
        && Long.parseLong(group(TERM, h)) > firstTerm);
    double failoverSeconds = (System.nanoTime() - killedAt) / 1e9;
    Node newLeader = byId(all, group(LEADER, after));
    System.out.printf("ledger failover: killed %s (term %d) -> %s announced in term %s after %.2f s%n", leader.name(), firstTerm,
        newLeader.name(), group(TERM, after), failoverSeconds);

    // The new coordinator aborts the round the killed one left open (a record of its own, with the
    // reason), runs it again, and the rounds go on until all asked for have committed.
    String next = retry(240, () -> audit(newLeader), a -> committedAfter(a, firstTerm));
    double toCommitSeconds = (System.nanoTime() - killedAt) / 1e9;
    System.out.printf("ledger failover: next round committed %.2f s after the kill%n", toCommitSeconds);
    // The kill lands mid-round almost always (a round is open but for the moment between a commit and the
    // next start); the chain says which.
    boolean open = openInTerm(next, firstTerm);
    assertThat(count(next, "round_aborted")).as("the round open at the kill (" + open + ") is aborted on the record").isEqualTo(open ? 1 : 0);
    String done = awaitAllRounds(newLeader);
    // The polls above start a CLI JVM each, so they overstate; the acts carry the time their author signed
    // them (same machine, same clock): kill -> the new leader's announcement, and -> the next commit.
    System.out.printf("ledger failover by the acts' own times: announced %.2f s, next round committed %.2f s after the kill%n",
        (firstAfter(done, "leader", killedAtMillis) - killedAtMillis) / 1e3, (firstAfter(done, "round_committed", killedAtMillis)
            - killedAtMillis) / 1e3);
    assertThat(count(done, "leader")).isGreaterThanOrEqualTo(2);
    assertThat(count(done, "round_started")).isEqualTo(open ? ROUNDS + 1 : ROUNDS);
    // Nothing committed before the kill is lost or changed: the old chain is a prefix of the new one.
    List<String> chainAfter = recordHashes(newLeader);
    assertThat(chainAfter.subList(0, chainBefore.size())).isEqualTo(chainBefore);
    assertThat(before).isNotEmpty();

    for (Node n : survivors) {
      FedmeshLauncherIT.Result verify = FedmeshLauncherIT.fedmesh("audit", "verify", "--config", n.config().toString(),
          "--target", n.target(), "--federation", FED);
      assertThat(verify.exitCode()).as(n.name() + ": " + verify.stdout() + verify.stderr()).isZero();
    }

    // The killed node restarts from its data directory and catches up.
    nodes.start(leader.config(), "listening on port (\\d+)");
    String reference = head(newLeader);
    String caughtUp = retry(60, () -> head(leader), h -> group(SEQUENCE, h).equals(group(SEQUENCE, reference))
        && group(HASH, h).equals(group(HASH, reference)));
    assertThat(group(HASH, caughtUp)).isEqualTo(group(HASH, reference));
    FedmeshLauncherIT.Result verifyRestarted = FedmeshLauncherIT.fedmesh("audit", "verify", "--config", leader.config().toString(),
        "--target", leader.target(), "--federation", FED);
    assertThat(verifyRestarted.exitCode()).as(verifyRestarted.stderr()).isZero();

    // Governance: with M = 2, the proposer's approval alone changes nothing; a second admin's commits it.
    String p3 = ids.get("p3");
    FedmeshLauncherIT.Result proposed = FedmeshLauncherIT.fedmesh("member", "propose", "remove", p3, "--reason", "leaves",
        "--config", c1.config().toString(), "--target", newLeader.target(), "--federation", FED);
    assertThat(proposed.exitCode()).as(proposed.stderr()).isZero();
    assertThat(proposed.stdout()).contains("open, 1 of 2 approvals");
    assertThat(head(newLeader)).contains(p3);
    Matcher id = Pattern.compile("proposal ([0-9a-f]{16})").matcher(proposed.stdout());
    assertThat(id.find()).isTrue();
    Node second = survivors.stream().filter(n -> n != c1).findFirst().orElse(all.get("c2"));
    FedmeshLauncherIT.Result approved = FedmeshLauncherIT.fedmesh("proposal", "approve", id.group(1),
        "--config", (second == c1 ? all.get("c3") : second).config().toString(), "--target", newLeader.target(), "--federation", FED);
    assertThat(approved.exitCode()).as(approved.stderr()).isZero();
    assertThat(approved.stdout()).contains("committed");
    assertThat(head(newLeader)).doesNotContain(p3);
    // Participants hold no replica: they follow a verified copy of the ledger, so p1's view of the members
    // (what its authorisation and round engine read) drops p3 too, though p1's YAML still lists it.
    Node p1 = all.get("p1");
    // (p3 stays alive in gossip: `members` lists it, with no roles.)
    Pattern p3Member = Pattern.compile("\"node\": \"" + p3 + "\"[^}]*\"roles\": \\[\"participant\"\\]");
    FedmeshLauncherIT.Result p1View = retry(60, () -> FedmeshLauncherIT.fedmesh("members", "--config", c1.config().toString(),
        "--target", p1.target(), "--federation", FED, "--json"), r -> r.exitCode() == 0 && !p3Member.matcher(r.stdout()).find()
        && r.stdout().contains(ids.get("p2")));
    assertThat(p3Member.matcher(p1View.stdout()).find()).as("p1 still sees p3 as a participant: " + p1View.stdout()).isFalse();

    // A flipped byte in an exported record is found and named.
    Path export = nodes.work.resolve("audit.json");
    assertThat(FedmeshLauncherIT.fedmesh("audit", "export", "--out", export.toString(), "--config", c1.config().toString(),
        "--target", newLeader.target(), "--federation", FED).exitCode()).isZero();
    assertThat(FedmeshLauncherIT.fedmesh("audit", "verify", "--file", export.toString()).exitCode()).isZero();
    String json = Files.readString(export);
    Matcher third = Pattern.compile("\"sequence\": 3, \"hash\": \"([0-9a-f]{64})\".*?\"record\": \"([^\"]+)\"").matcher(json);
    assertThat(third.find()).isTrue();
    byte[] record = Base64.getDecoder().decode(third.group(2));
    record[record.length - 5] ^= 1; // inside the act's signature, the last field
    String tampered = json.replace(third.group(2), Base64.getEncoder().encodeToString(record));
    Files.writeString(export, tampered.replace("\"sequence\": 3, \"hash\": \"" + third.group(1) + "\"",
        "\"sequence\": 3"));
    FedmeshLauncherIT.Result bad = FedmeshLauncherIT.fedmesh("audit", "verify", "--file", export.toString());
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.stderr()).contains("record 3");

    // Every coordinator-eligible node holds every committed model (pulled after each commit), so any of
    // them can serve it as coordinator; a flipped byte in a stored blob is found.
    String model = group(MODEL, head(newLeader));
    for (Node c : all.values().stream().filter(n -> n.name().startsWith("c")).toList()) {
      Path stored = nodes.work.resolve(c.name() + "/data/models/" + FED + "/" + model + ".bin");
      retry(30, () -> Files.exists(stored), exists -> exists);
    }
    Path blob = nodes.work.resolve(newLeader.name() + "/data/models/" + FED + "/" + model + ".bin");
    assertThat(FedmeshLauncherIT.fedmesh("model", "verify", blob.toString()).exitCode()).isZero();
    byte[] bytes = Files.readAllBytes(blob);
    // The committed state is the model (12*16 + 16 + 16*2 + 2 = 242 parameters) and FedAdam's two moments,
    // which the rounds have moved off their start (m from 0, v from tau^2).
    int n = 242;
    assertThat(bytes.length).isEqualTo(3 * n * Float.BYTES);
    float[] state = io.fedmesh.coordinator.round.ModelBlob.decode(bytes, 3 * n);
    assertThat(java.util.stream.IntStream.range(n, 2 * n).filter(i -> state[i] != 0).count()).isGreaterThan(n / 2);
    assertThat(java.util.stream.IntStream.range(2 * n, 3 * n).filter(i -> state[i] > 1.5e-6f).count()).isGreaterThan(n / 2);
    bytes[bytes.length / 2] ^= 1;
    Path copy = Files.write(nodes.work.resolve(model + ".bin"), bytes);
    Files.copy(blob.resolveSibling(model + ".manifest"), nodes.work.resolve(model + ".manifest"));
    assertThat(FedmeshLauncherIT.fedmesh("model", "verify", copy.toString()).exitCode()).isEqualTo(1);
  }

  static String head(Node n) throws Exception {
    FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("ledger", "head", "--json", "--config", n.config().toString(),
        "--target", n.target(), "--federation", FED);
    return r.exitCode() == 0 ? r.stdout() : "";
  }

  static String audit(Node n) throws Exception {
    FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("audit", "export", "--json", "--config", n.config().toString(),
        "--target", n.target(), "--federation", FED);
    return r.exitCode() == 0 ? r.stdout() : "";
  }

  static List<String> recordHashes(Node n) throws Exception {
    return hashes(audit(n));
  }

  static List<String> hashes(String audit) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"hash\": \"([0-9a-f]{64})\"").matcher(audit);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Whether the chain holds a committed round of a term after {@code term}. */
  static boolean committedAfter(String audit, long term) {
    Matcher m = Pattern.compile("\"raft_term\": (\\d+), \"kind\": \"round_committed\"").matcher(audit);
    while (m.find()) {
      if (Long.parseLong(m.group(1)) > term) {
        return true;
      }
    }
    return false;
  }

  /** Whether the chain holds a round started in {@code term} or before that no record of those terms closed. */
  static boolean openInTerm(String audit, long term) {
    Matcher m = Pattern.compile("\"raft_term\": (\\d+), \"kind\": \"(\\w+)\"").matcher(audit);
    int started = 0;
    int closed = 0;
    while (m.find()) {
      if (Long.parseLong(m.group(1)) <= term) {
        started += m.group(2).equals("round_started") ? 1 : 0;
        closed += m.group(2).equals("round_committed") || m.group(2).equals("round_aborted") ? 1 : 0;
      }
    }
    return started > closed;
  }

  static int count(String audit, String kind) {
    Matcher m = Pattern.compile("\"kind\": \"" + kind + "\"").matcher(audit);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static Node byId(Map<String, Node> all, String id) {
    return all.values().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no node " + id));
  }

  static String group(Pattern p, String text) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      throw new AssertionError(p + " not in " + text);
    }
    return m.group(1);
  }

  /**
   * Waits until all rounds have committed. A shared CI machine can be slow, so the limit is on a
   * stall (no commit for {@link #STALL_SECONDS}), not on the total; the failure names what the chain
   * last said instead of dumping it.
   */
  static String awaitAllRounds(Node leader) throws Exception {
    long hardEnd = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
    int committed = -1;
    long lastProgress = System.nanoTime();
    String last = "";
    while (true) {
      String a = audit(leader);
      if (!a.isEmpty()) {
        last = a;
      }
      int now = count(last, "round_committed");
      if (now >= ROUNDS) {
        return last;
      }
      if (now > committed) {
        committed = now;
        lastProgress = System.nanoTime();
      }
      long t = System.nanoTime();
      if (t - lastProgress > TimeUnit.SECONDS.toNanos(STALL_SECONDS) || t > hardEnd) {
        throw new AssertionError("rounds stalled at " + committed + " of " + ROUNDS + " committed (" + count(last, "round_aborted")
            + " aborted, " + count(last, "leader") + " leader acts); last records: " + tail(last, 1500));
      }
      Thread.sleep(1000);
    }
  }

  static final int STALL_SECONDS = 180;

  static String tail(String s, int chars) {
    return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
  }

  interface Attempt<T> {
    T get() throws Exception;
  }

  /** Tries until {@code done} holds or {@code seconds} pass; the last result either way. */
  static <T> T retry(int seconds, Attempt<T> attempt, java.util.function.Predicate<T> done) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    T last = attempt.get();
    while (!holds(done, last) && System.nanoTime() < end) {
      Thread.sleep(500);
      last = attempt.get();
    }
    if (!holds(done, last)) {
      throw new AssertionError("not reached in " + seconds + " s; last: " + last);
    }
    return last;
  }

  /** A condition on output that is not there yet (empty, or without the field) does not hold. */
  static <T> boolean holds(java.util.function.Predicate<T> done, T value) {
    try {
      return done.test(value);
    } catch (AssertionError | RuntimeException e) {
      return false;
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The time_millis of the first act of {@code kind} signed after {@code after} in an audit export. */
  private static long firstAfter(String audit, String kind, long after) {
    Matcher m = Pattern.compile("\"kind\": \"" + kind + "\", \"author\": \"[0-9a-f]*\", \"time_millis\": (\\d+)").matcher(audit);
    while (m.find()) {
      long t = Long.parseLong(m.group(1));
      if (t >= after) {
        return t;
      }
    }
    throw new AssertionError("no " + kind + " act after " + after);
  }
}
