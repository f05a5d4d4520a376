package io.fedmesh.bench.ledger;

import io.fedmesh.bench.Median;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.LedgerHead;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * {@code fedmesh bench election}: how long a federation goes without a coordinator when its coordinator
 * dies. Three coordinator-eligible node processes host the federation's ledger (a Raft group, docs/ledger.md
 * section 1); the announced leader is killed with SIGKILL, and the failover time runs from the kill until a
 * survivor's ledger shows another node announced as coordinator in a higher term (elected by Raft, its
 * {@code leader} act committed and applied). The killed node is then restarted from its config and data
 * directory, and the next kill waits until it has caught up (its chain head equals the leader's).
 */
public final class ElectionBench {
  /** Between two polls of the survivors' heads. */
  static final long POLL_MILLIS = 20;
  /** The deadline of one Head call. */
  static final long HEAD_DEADLINE_MILLIS = 1000;
  /** The target: the median failover under this with tuned Ratis timeouts... */
  static final double TARGET_MEDIAN_MILLIS = 2000;
  /** ...and none above this. */
  static final double TARGET_MAX_MILLIS = 5000;
  private static final Duration FAILOVER_LIMIT = Duration.ofSeconds(60);
  private static final Duration CATCH_UP_LIMIT = Duration.ofSeconds(120);

  private ElectionBench() {}

  /** What to run. */
  public record Options(int kills, long electionMinMillis, long electionMaxMillis) {}

  /**
   * One kill.
   *
   * @param killed the node killed (the announced leader)
   * @param term the announced term it led
   * @param leader the node announced next
   * @param newTerm the term it announced
   * @param electedMillis kill to the new coordinator signing its announcement: the {@code leader} act's
   *     {@code time_millis} (the node's clock, on this machine) against this JVM's clock at the kill. Raft had
   *     elected it and told it so (the node announces as soon as its leader-change notification runs), so this
   *     is the election as the new leader saw it; NaN if the record could not be read
   * @param failoverMillis kill to the new coordinator's announcement committed and applied on a survivor
   * @param restartMillis the killed node's restart: process start to its start line (JVM start, config,
   *     Raft server and groups reopened)
   * @param answeredMillis its start line to its first answer to Head (its ledger reopened from disk)
   * @param answeredSequence the chain head it answered with then
   * @param catchUpMillis its start line to its chain head equal to the leader's
   */
  public record Kill(int number, String killed, long term, String leader, long newTerm, double electedMillis,
      double failoverMillis, double restartMillis, double answeredMillis, long answeredSequence, double catchUpMillis) {}

  /** A run: the first election, then each kill. */
  public record Report(Options options, Path dir, double firstLeaderMillis, List<Kill> kills) {
    double[] values(ToDoubleFunction<Kill> f) {
      return kills.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).toArray();
    }

    public double failoverMin() {
      return java.util.Arrays.stream(values(Kill::failoverMillis)).min().orElse(Double.NaN);
    }

    public double failoverMedian() {
      return Median.of(values(Kill::failoverMillis));
    }

    public double failoverMax() {
      return java.util.Arrays.stream(values(Kill::failoverMillis)).max().orElse(Double.NaN);
    }

    /** Median of the kills whose announcement record was read; NaN if none. */
    public double electedMedian() {
      double[] v = values(Kill::electedMillis);
      return v.length == 0 ? Double.NaN : Median.of(v);
    }

    /** Median, over the kills whose announcement record was read, of signed to seen committed; NaN if none. */
    public double commitMedian() {
      double[] v = values(k -> k.failoverMillis() - k.electedMillis());
      return v.length == 0 ? Double.NaN : Median.of(v);
    }

    public double catchUpMedian() {
      return Median.of(values(Kill::catchUpMillis));
    }

    public double restartMedian() {
      return Median.of(values(Kill::restartMillis));
    }

    /** Raft terms that went by without a leader announced in them: elections that failed (split votes) before the one that won. */
    public long termsSkipped() {
      return kills.stream().mapToLong(k -> k.newTerm() - k.term() - 1).sum();
    }

    /** Leaders that changed between kills, with nothing killed (a restarted node or a slow heartbeat started an election). */
    public long unforcedChanges() {
      long n = 0;
      for (int i = 1; i < kills.size(); i++) {
        n += kills.get(i).term() != kills.get(i - 1).newTerm() ? 1 : 0;
      }
      return n;
    }

    public boolean targetMet() {
      return failoverMedian() < TARGET_MEDIAN_MILLIS && failoverMax() <= TARGET_MAX_MILLIS;
    }

    public String table() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "leader election (failover) of federation %s: %d coordinator-eligible node "
          + "processes on 127.0.0.1, Raft election timeout %d-%d ms, %d kill(s) of the leader with SIGKILL%n",
          ElectionCluster.FEDERATION, ElectionCluster.NODES, options.electionMinMillis(), options.electionMaxMillis(), kills.size()));
      out.append(String.format(Locale.ROOT, "first leader announced %.2f s after the CreateFederation call (group started, "
          + "elected, genesis and announcement committed)%n%n", firstLeaderMillis / 1000));
      out.append("| kill | killed | term | new leader | new term | elected (s) | failover (s) | restart (s) | catch-up (s) |\n");
      out.append("| ---- | ------ | ---- | ---------- | -------- | ----------- | ------------ | ----------- | ------------ |\n");
      for (Kill k : kills) {
        out.append(String.format(Locale.ROOT, "| %4d | %-6s | %4d | %-10s | %8d | %11s | %12.3f | %11.2f | %12.2f |%n",
            k.number(), k.killed(), k.term(), k.leader(), k.newTerm(), orDash(k.electedMillis()), k.failoverMillis() / 1000,
            k.restartMillis() / 1000, k.catchUpMillis() / 1000));
      }
      out.append(String.format(Locale.ROOT, "%nfailover (kill -> new coordinator announced and committed): min %.3f s, "
          + "median %.3f s, max %.3f s%n", failoverMin() / 1000, failoverMedian() / 1000, failoverMax() / 1000));
      out.append(String.format(Locale.ROOT, "target: median under %.0f s with tuned Ratis timeouts, never above %.0f s: %s%n",
          TARGET_MEDIAN_MILLIS / 1000, TARGET_MAX_MILLIS / 1000, targetMet() ? "met" : "NOT met"));
      out.append(String.format(Locale.ROOT, "elected (kill -> the new leader signed its announcement, by its clock): median %s; "
          + "then committed and seen: median %s later%n", Double.isNaN(electedMedian()) ? "-" : orDash(electedMedian()) + " s",
          Double.isNaN(commitMedian()) ? "-" : orDash(commitMedian()) + " s"));
      out.append(String.format(Locale.ROOT, "terms skipped by a failover (failed elections): %d; leader changes between kills "
          + "with nothing killed: %d%n", termsSkipped(), unforcedChanges()));
      out.append(String.format(Locale.ROOT, "catch-up (restarted node's start line -> its head equals the leader's): median "
          + "%.2f s; restart (process start -> start line): median %.2f s%n", catchUpMedian() / 1000, restartMedian() / 1000));
      return out.toString();
    }

    private static String orDash(double millis) {
      return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, "%.3f", millis / 1000);
    }

    public String json() {
      StringBuilder j = new StringBuilder("{");
      j.append(String.format(Locale.ROOT, "\"federation\": \"%s\", \"nodes\": %d, \"election_timeout_ms\": {\"min\": %d, "
          + "\"max\": %d}, \"kills\": %d, \"first_leader_s\": %.4f", ElectionCluster.FEDERATION, ElectionCluster.NODES,
          options.electionMinMillis(), options.electionMaxMillis(), kills.size(), firstLeaderMillis / 1000));
      j.append(String.format(Locale.ROOT, ", \"failover_s\": {\"min\": %.4f, \"median\": %.4f, \"max\": %.4f}", failoverMin() / 1000,
          failoverMedian() / 1000, failoverMax() / 1000));
      j.append(String.format(Locale.ROOT, ", \"target\": {\"median_below_s\": %.1f, \"max_s\": %.1f, \"met\": %b}",
          TARGET_MEDIAN_MILLIS / 1000, TARGET_MAX_MILLIS / 1000, targetMet()));
      j.append(", \"elected_median_s\": ").append(seconds(electedMedian()));
      j.append(", \"commit_median_s\": ").append(seconds(commitMedian()));
      j.append(", \"terms_skipped\": ").append(termsSkipped()).append(", \"unforced_changes\": ").append(unforcedChanges());
      j.append(String.format(Locale.ROOT, ", \"catch_up_median_s\": %.4f, \"restart_median_s\": %.4f", catchUpMedian() / 1000,
          restartMedian() / 1000));
      j.append(", \"runs\": [").append(kills.stream().map(k -> String.format(Locale.ROOT, "{\"kill\": %d, \"killed\": \"%s\", "
          + "\"term\": %d, \"leader\": \"%s\", \"new_term\": %d, \"elected_s\": %s, \"failover_s\": %.4f, "
          + "\"restart_s\": %.4f, \"answered_s\": %.4f, \"answered_sequence\": %d, \"catch_up_s\": %.4f}", k.number(), k.killed(),
          k.term(), k.leader(), k.newTerm(), seconds(k.electedMillis()), k.failoverMillis() / 1000,
          k.restartMillis() / 1000, k.answeredMillis() / 1000, k.answeredSequence(), k.catchUpMillis() / 1000))
          .collect(Collectors.joining(", ")));
      return j.append("]}").toString();
    }

    private static String seconds(double millis) {
      return Double.isNaN(millis) ? "null" : String.format(Locale.ROOT, "%.4f", millis / 1000);
    }
  }

  /** Runs the benchmark; a progress line per step goes to {@code progress}. Every node process is stopped at the end. */
  public static Report run(Options options, PrintWriter progress) throws Exception {
    Path dir = Files.createTempDirectory("fedmesh-bench-election");
    progress.printf(Locale.ROOT, "election bench: %d nodes, election timeout %d-%d ms, %d kill(s); files in %s%n",
        ElectionCluster.NODES, options.electionMinMillis(), options.electionMaxMillis(), options.kills(), dir);
    progress.flush();
    try (ElectionCluster cluster = new ElectionCluster(dir, options.electionMinMillis(), options.electionMaxMillis())) {
      cluster.startAll();
      progress.printf("  %d node processes up (logs in %s)%n", ElectionCluster.NODES, cluster.logs);
      progress.flush();
      long sent = cluster.createFederation(Duration.ofSeconds(120), progress);
      LedgerHead first = awaitLeader(cluster, sent);
      double firstLeader = (System.nanoTime() - sent) / 1e6;
      progress.printf(Locale.ROOT, "  federation %s created; %s announced as coordinator in term %d, %.2f s after the "
          + "CreateFederation call%n", ElectionCluster.FEDERATION, nameOf(cluster, first), first.getTerm(), firstLeader / 1000);
      progress.flush();
      List<Kill> kills = new ArrayList<>();
      for (int k = 1; k <= options.kills(); k++) {
        Kill kill = killLeader(cluster, k);
        kills.add(kill);
        progress.printf(Locale.ROOT, "  kill %d: %s (term %d) -> %s announced in term %d after %.3f s (signed at %s); "
            + "restarted in %.2f s, answered at sequence %d %.2f s later, caught up %.2f s later%n", k,
            kill.killed(), kill.term(), kill.leader(), kill.newTerm(), kill.failoverMillis() / 1000,
            Double.isNaN(kill.electedMillis()) ? "unknown" : String.format(Locale.ROOT, "%.3f s", kill.electedMillis() / 1000),
            kill.restartMillis() / 1000, kill.answeredSequence(), kill.answeredMillis() / 1000, kill.catchUpMillis() / 1000);
        progress.flush();
      }
      return new Report(options, dir, firstLeader, kills);
    }
  }

  private static String nameOf(ElectionCluster cluster, LedgerHead head) {
    return ElectionCluster.name(cluster.index(leaderOf(head)));
  }

  private static NodeId leaderOf(LedgerHead head) {
    return NodeId.ofBytes(head.getLeader().getSha256().toByteArray());
  }

  /** Polls every node's head until one shows an announced leader. */
  private static LedgerHead awaitLeader(ElectionCluster cluster, long since) throws InterruptedException {
    long end = since + FAILOVER_LIMIT.toNanos();
    while (System.nanoTime() < end) {
      cluster.failIfDown();
      for (int i = 0; i < ElectionCluster.NODES; i++) {
        Optional<LedgerHead> h = cluster.head(i, HEAD_DEADLINE_MILLIS);
        if (h.isPresent() && h.get().hasLeader()) {
          return h.get();
        }
      }
      Thread.sleep(POLL_MILLIS);
    }
    throw new IllegalStateException("no leader announced within " + FAILOVER_LIMIT.toSeconds() + " s of the genesis (logs in "
        + cluster.logs + ")");
  }

  /** Polls until all nodes report the same chain head with an announced leader: the state a kill starts from. */
  private static LedgerHead awaitAgreement(ElectionCluster cluster) throws InterruptedException {
    long end = System.nanoTime() + CATCH_UP_LIMIT.toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      cluster.failIfDown();
      List<LedgerHead> heads = new ArrayList<>();
      for (int i = 0; i < ElectionCluster.NODES; i++) {
        cluster.head(i, HEAD_DEADLINE_MILLIS).ifPresent(heads::add);
      }
      if (heads.size() == ElectionCluster.NODES && heads.get(0).hasLeader() && heads.stream().allMatch(h -> h.hasLeader()
          && h.getLeader().equals(heads.get(0).getLeader()) && h.getSequence() == heads.get(0).getSequence()
          && h.getHash().equals(heads.get(0).getHash()))) {
        return heads.get(0);
      }
      last = heads.stream().map(h -> h.getSequence() + "/" + h.getTerm()).collect(Collectors.joining(", "));
      Thread.sleep(POLL_MILLIS);
    }
    throw new IllegalStateException("the nodes did not agree on the chain head within " + CATCH_UP_LIMIT.toSeconds()
        + " s (sequence/term: " + last + "; logs in " + cluster.logs + ")");
  }

  /** Kills the announced leader, times the failover, restarts it and times its catch-up. */
  private static Kill killLeader(ElectionCluster cluster, int number) throws Exception {
    LedgerHead before = awaitAgreement(cluster);
    int victim = cluster.index(leaderOf(before));
    long term = before.getTerm();
    List<Integer> survivors = new ArrayList<>();
    for (int i = 0; i < ElectionCluster.NODES; i++) {
      if (i != victim) {
        survivors.add(i);
      }
    }
    NodeId killedId = cluster.nodes.get(victim).id();
    cluster.kill(victim);
    long t0 = System.nanoTime();
    long killedAtWall = System.currentTimeMillis();
    long end = t0 + FAILOVER_LIMIT.toNanos();
    long announced = -1;
    LedgerHead after = null;
    while (after == null) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("no new coordinator announced within " + FAILOVER_LIMIT.toSeconds() + " s of killing "
            + ElectionCluster.name(victim) + " (logs in " + cluster.logs + ")");
      }
      cluster.failIfDown(victim);
      for (int s : survivors) {
        Optional<LedgerHead> h = cluster.head(s, HEAD_DEADLINE_MILLIS);
        if (h.isPresent() && h.get().hasLeader() && !leaderOf(h.get()).equals(killedId) && h.get().getTerm() > term) {
          announced = System.nanoTime();
          after = h.get();
          break;
        }
      }
      if (after == null) {
        Thread.sleep(POLL_MILLIS);
      }
    }
    int newLeader = cluster.index(leaderOf(after));
    double failoverMillis = (announced - t0) / 1e6;

    // When the new coordinator signed its announcement, by its own clock (this machine's).
    long sequence = after.getSequence();
    double electedMillis = cluster.record(newLeader, sequence).filter(r -> r.getAct().hasLeader())
        .map(r -> (double) (r.getAct().getTimeMillis() - killedAtWall)).orElse(Double.NaN);

    // Restart the killed node where it was, and wait until it holds the leader's chain head.
    cluster.awaitExit(victim);
    long starting = System.nanoTime();
    cluster.start(victim);
    long started = System.nanoTime();
    CatchUp c = awaitCatchUp(cluster, victim, newLeader, started);
    return new Kill(number, ElectionCluster.name(victim), term, ElectionCluster.name(newLeader), after.getTerm(), electedMillis,
        failoverMillis, (started - starting) / 1e6, (c.answered() - started) / 1e6, c.answeredSequence(), (c.caughtUp() - started) / 1e6);
  }

  /** When a restarted node first answered Head (with which sequence), and when its head equalled the leader's. */
  private record CatchUp(long answered, long answeredSequence, long caughtUp) {}

  /** Polls the restarted node and the leader until their chain heads (sequence and hash) are equal. */
  private static CatchUp awaitCatchUp(ElectionCluster cluster, int restarted, int leader, long since) throws InterruptedException {
    long end = since + CATCH_UP_LIMIT.toNanos();
    String last = "no answer";
    long answered = -1;
    long answeredSequence = -1;
    while (System.nanoTime() < end) {
      cluster.failIfDown();
      Optional<LedgerHead> mine = cluster.head(restarted, HEAD_DEADLINE_MILLIS);
      long now = System.nanoTime();
      if (mine.isPresent() && answered < 0) {
        answered = now;
        answeredSequence = mine.get().getSequence();
      }
      Optional<LedgerHead> theirs = cluster.head(leader, HEAD_DEADLINE_MILLIS);
      if (mine.isPresent() && theirs.isPresent()) {
        if (mine.get().getSequence() == theirs.get().getSequence() && mine.get().getHash().equals(theirs.get().getHash())) {
          return new CatchUp(answered, answeredSequence, now);
        }
        last = "sequence " + mine.get().getSequence() + " against the leader's " + theirs.get().getSequence();
      }
      Thread.sleep(POLL_MILLIS);
    }
    throw new IllegalStateException(ElectionCluster.name(restarted) + " did not catch up within " + CATCH_UP_LIMIT.toSeconds()
        + " s of its restart (" + last + "; see " + cluster.log(restarted) + ")");
  }
}
