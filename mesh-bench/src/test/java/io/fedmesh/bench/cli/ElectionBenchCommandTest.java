package io.fedmesh.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.bench.ledger.ElectionBench;
import io.fedmesh.node.cli.FedmeshMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** `fedmesh bench election` without node processes: its options are checked, and its report reads as the IT expects. */
class ElectionBenchCommandTest {
  @Test
  void refusesOptionsOutOfRange() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    for (String[] bad : new String[][] {{"--kills", "0"}, {"--kills", "1001"}, {"--election-min-ms", "10"},
        {"--election-max-ms", "499"}, {"--election-max-ms", "200000"}}) {
      String[] args = {"bench", "election", bad[0], bad[1]};
      assertThat(FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true))).as(bad[0] + " " + bad[1]).isEqualTo(2);
    }
    assertThat(err.toString()).contains("--kills must be in [1, 1000], got 0", "--election-max-ms must be in [--election-min-ms, 120000]");
  }

  @Test
  void reportGivesEachKillAndTheSpreadInTableAndJson() {
    ElectionBench.Report report = new ElectionBench.Report(new ElectionBench.Options(3, 1000, 2000), Path.of("/tmp/x"), 3900,
        List.of(new ElectionBench.Kill(1, "node-2", 1, "node-3", 2, 1916, 2308, 4160, 310, 2, 3590),
            new ElectionBench.Kill(2, "node-3", 2, "node-1", 3, Double.NaN, 2937, 4210, 640, 3, 860),
            new ElectionBench.Kill(3, "node-1", 3, "node-3", 5, 2082, 6416, 3900, 140, 4, 1420)));

    String table = report.table();
    Matcher row = ElectionBenchIT.ROW.matcher(table);
    int rows = 0;
    while (row.find()) {
      rows++;
    }
    assertThat(rows).as(table).isEqualTo(3);
    assertThat(table).contains("|    2 | node-3 |    2 | node-1     |        3 |           - |        2.937 |        4.21 |         0.86 |")
        .contains("failover (kill -> new coordinator announced and committed): min 2.308 s, median 2.937 s, max 6.416 s")
        .contains("never above 5 s: NOT met")
        .contains("terms skipped by a failover (failed elections): 1; leader changes between kills with nothing killed: 0")
        .contains("catch-up (restarted node's start line -> its head equals the leader's): median 1.42 s")
        .contains("elected (kill -> the new leader signed its announcement, by its clock): median 1.999 s; then committed and "
            + "seen: median 2.363 s later");
    assertThat(ElectionBenchIT.SUMMARY.matcher(table).find()).isTrue();
    assertThat(report.json()).startsWith("{\"federation\": \"bench-ledger\", \"nodes\": 3, \"election_timeout_ms\": {\"min\": 1000, "
        + "\"max\": 2000}, \"kills\": 3, \"first_leader_s\": 3.9000, \"failover_s\": {\"min\": 2.3080, \"median\": 2.9370, "
        + "\"max\": 6.4160}, \"target\": {\"median_below_s\": 2.0, \"max_s\": 5.0, \"met\": false}")
        .contains("\"elected_s\": null, \"failover_s\": 2.9370", "\"catch_up_median_s\": 1.4200")
        .endsWith("\"catch_up_s\": 1.4200}]}");
  }
}
