package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Section 7 of docs/operations.md with real processes: two reachable nodes, a fourth behind a
 * firewall that joins through the first, shows up in the admin's view as "via" it, and fails over to
 * the second when the first is stopped.
 */
class FirewalledNodeIT {
  private LauncherNodes nodes;

  @AfterEach
  void stop() throws Exception {
    if (nodes != null) {
      nodes.close();
    }
  }

  @Test
  void aFirewalledNodeJoinsThroughItsRelayAndFailsOverToTheNext() throws Exception {
    nodes = new LauncherNodes("fedmesh-firewall");
    Path work = nodes.work;
    String[] names = {"node1", "node2", "node4"};
    String[] ids = new String[3];
    for (int i = 0; i < 3; i++) {
      ids[i] = nodes.identity(names[i]);
    }
    String federation = "federations:\n  card-fraud:\n    members:\n      " + ids[0] + ": [participant, admin]\n      "
        + ids[1] + ": [participant, coordinator-eligible]\n      " + ids[2] + ": [participant]\n";
    String timing = "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ngossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    Path config1 = Files.writeString(work.resolve("node1/node.yaml"), timing + federation);
    String port1 = nodes.start(config1, "listening on port (\\d+)");
    Path config2 = Files.writeString(work.resolve("node2/node.yaml"), timing + "seeds: [" + ids[0] + "@127.0.0.1:" + port1 + "]\n" + federation);
    String port2 = nodes.start(config2, "listening on port (\\d+)");
    Path config4 = Files.writeString(work.resolve("node4/node.yaml"), timing + "reachable: false\nseeds: [" + ids[0] + "@127.0.0.1:"
        + port1 + ", " + ids[1] + "@127.0.0.1:" + port2 + "]\n" + federation);
    nodes.start(config4, "behind a firewall: no port listens for peers");

    String via1 = "\"node\": \"" + ids[2] + "\", \"state\": \"alive\", \"incarnation\": \\d+, \"address\": \"\", \"via\": \"" + ids[0] + "\"";
    assertThat(members(config1, port2, via1, 30)).as("node 2 sees node 4 alive, attached via node 1").isTrue();

    nodes.processes.get(0).destroy(); // node 1, the relay, stops
    assertThat(nodes.processes.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
    String via2 = "\"node\": \"" + ids[2] + "\", \"state\": \"alive\", \"incarnation\": \\d+, \"address\": \"\", \"via\": \"" + ids[1] + "\"";
    assertThat(members(config1, port2, via2, 30)).as("node 4 failed over to node 2").isTrue();
  }

  private static boolean members(Path asking, String port, String pattern, int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Pattern p = Pattern.compile(pattern);
    String last = "";
    while (System.nanoTime() < end) {
      FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("members", "--config", asking.toString(), "--target", "127.0.0.1:" + port,
          "--federation", "card-fraud", "--json");
      last = r.stdout() + r.stderr();
      if (r.exitCode() == 0 && p.matcher(r.stdout()).find()) {
        return true;
      }
      Thread.sleep(500);
    }
    System.out.println("last answer: " + last);
    return false;
  }
}
