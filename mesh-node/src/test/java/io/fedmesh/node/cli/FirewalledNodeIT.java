package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Section 7 of docs/operations.md with real processes: two reachable nodes, a fourth behind a
 * firewall that joins through the first, shows up in the admin's view as "via" it, and fails over to
 * the other when that relay is stopped.
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

    // Node 4 dials its first seed; under load that dial can time out and it moves on to the second,
    // so the test follows whichever relay it attached through and stops that one.
    String alive = "\"node\": \"" + ids[2] + "\", \"state\": \"alive\", \"incarnation\": \\d+, \"address\": \"\", \"via\": \"";
    String first = attachedVia(config1, port2, alive + "(" + ids[0] + "|" + ids[1] + ")\"", 30);
    assertThat(first).as("node 2 sees node 4 alive, attached via a relay").isNotNull();
    int relay = first.equals(ids[0]) ? 0 : 1;
    int other = 1 - relay;
    String otherPort = other == 0 ? port1 : port2;

    nodes.processes.get(relay).destroy(); // the relay stops
    assertThat(nodes.processes.get(relay).waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(attachedVia(config1, otherPort, alive + "(" + ids[other] + ")\"", 30))
        .as("node 4 failed over to the other relay").isEqualTo(ids[other]);
  }

  /** Polls {@code fedmesh members} until the pattern matches; returns its first group, or null. */
  private static String attachedVia(Path asking, String port, String pattern, int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Pattern p = Pattern.compile(pattern);
    String last = "";
    while (System.nanoTime() < end) {
      FedmeshLauncherIT.Result r = FedmeshLauncherIT.fedmesh("members", "--config", asking.toString(), "--target", "127.0.0.1:" + port,
          "--federation", "card-fraud", "--json");
      last = r.stdout() + r.stderr();
      Matcher m = p.matcher(r.stdout());
      if (r.exitCode() == 0 && m.find()) {
        return m.group(1);
      }
      Thread.sleep(500);
    }
    System.out.println("last answer: " + last);
    return null;
  }
}
