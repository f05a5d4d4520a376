package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `./fedmesh bench election` as a user runs it: three node processes host a federation ledger, the leader is
 * killed twice with SIGKILL and restarted; every failover is timed and the table comes out. Election
 * timeouts of 500-1000 ms keep it short, but four JVMs start and two restart: under a minute on 2 quiet
 * cores, 78-104 s measured with other builds running (load average 7-10); the limit allows for worse.
 */
class ElectionBenchIT {
  /** A kill's row: number, killed, term, new leader, new term, elected, failover, restart, catch-up (seconds). */
  static final Pattern ROW = Pattern.compile("^\\| +(\\d+) \\| (node-\\d) +\\| +(\\d+) \\| (node-\\d) +\\| +(\\d+) \\| +([0-9.]+|-) "
      + "\\| +([0-9.]+) \\| +([0-9.]+) \\| +([0-9.]+) \\|$", Pattern.MULTILINE);
  static final Pattern SUMMARY = Pattern.compile("failover \\(kill -> new coordinator announced and committed\\): "
      + "min ([0-9.]+) s, median ([0-9.]+) s, max ([0-9.]+) s");
  static final Pattern CATCH_UP = Pattern.compile("catch-up \\(restarted node's start line -> its head equals the leader's\\): "
      + "median ([0-9.]+) s");

  @Test
  void killsTheLeaderTwiceAndTimesEachFailover() throws Exception {
    BenchLauncherIT.Result result = BenchLauncherIT.fedmesh(240, "bench", "election", "--kills", "2", "--election-min-ms", "500",
        "--election-max-ms", "1000");

    assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
    String out = result.stdout();
    assertThat(out).contains("3 node processes up", "Raft election timeout 500-1000 ms, 2 kill(s)");
    List<Double> failovers = new ArrayList<>();
    Matcher row = ROW.matcher(out);
    while (row.find()) {
      assertThat(Integer.parseInt(row.group(1))).isEqualTo(failovers.size() + 1);
      assertThat(row.group(4)).as("a survivor leads next").isNotEqualTo(row.group(2));
      assertThat(Long.parseLong(row.group(5))).as("in a higher term").isGreaterThan(Long.parseLong(row.group(3)));
      double failover = Double.parseDouble(row.group(7));
      assertThat(failover).isPositive().isLessThan(30);
      assertThat(Double.parseDouble(row.group(9))).as("catch-up").isNotNegative();
      failovers.add(failover);
    }
    assertThat(failovers).as(out).hasSize(2);
    Matcher summary = SUMMARY.matcher(out);
    assertThat(summary.find()).as(out).isTrue();
    assertThat(Double.parseDouble(summary.group(1))).isEqualTo(failovers.stream().mapToDouble(d -> d).min().orElseThrow());
    assertThat(Double.parseDouble(summary.group(3))).isEqualTo(failovers.stream().mapToDouble(d -> d).max().orElseThrow());
    assertThat(CATCH_UP.matcher(out).find()).as(out).isTrue();
    assertThat(out).containsPattern("target: median under 2 s with tuned Ratis timeouts, never above 5 s: (met|NOT met)");
  }
}
