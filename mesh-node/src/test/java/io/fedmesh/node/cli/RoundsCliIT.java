package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A federation made by hand as docs/operations.md describes (CA, keys, signed certificates, configs with
 * the rounds and participant sections), one node process each, runs rounds from the CLI: start, watch to
 * the end, list the models, pull the new one and verify it.
 */
class RoundsCliIT {
  @Test
  void aHandMadeFederationRunsRoundsFromTheCli() throws Exception {
    try (LauncherNodes nodes = new LauncherNodes("fedmesh-rounds")) {
      run(nodes);
    }
  }

  private void run(LauncherNodes nodes) throws Exception {
    Path work = nodes.work;
    String[] names = {"coordinator", "bank-a", "bank-b", "bank-c"};
    String[] ids = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      ids[i] = nodes.identity(names[i]);
    }
    String federation = "federations:\n  card-fraud:\n    members:\n      " + ids[0] + ": [coordinator-eligible, admin]\n"
        + "      " + ids[1] + ": [participant]\n      " + ids[2] + ": [participant]\n      " + ids[3] + ": [participant]\n"
        + "    rounds:\n      coordinator: " + ids[0] + "\n      model: mlp:16\n      input_shape: [12]\n      classes: 2\n"
        + "      participants: {min: 3}\n      deadlines_ms: {train: 30000, phase: 15000, evaluation: 15000}\n";
    String timing = "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ngossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    Path coordinator = Files.writeString(work.resolve("coordinator/node.yaml"), timing + federation);
    FedmeshLauncherIT.Result check = FedmeshLauncherIT.fedmesh("config", "check", coordinator.toString());
    assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
    String port = nodes.start(coordinator, "listening on port (\\d+)");
    for (int i = 1; i < names.length; i++) {
      Path config = Files.writeString(work.resolve(names[i] + "/node.yaml"), timing + "seeds: [" + ids[0] + "@127.0.0.1:"
          + port + "]\n" + federation + "participant:\n  card-fraud:\n    data: {synthetic: {institution: " + (i - 1)
          + ", institutions: 3, rows: 600}}\n");
      nodes.start(config, "taking part in the rounds of federation 'card-fraud'");
    }
    String target = "127.0.0.1:" + port;
    String[] admin = {"--config", coordinator.toString(), "--target", target, "--federation", "card-fraud"};
    FedmeshLauncherIT.Result start = null;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < end) { // until the coordinator sees the participants alive, a round cannot form
      start = FedmeshLauncherIT.fedmesh(concat(new String[] {"round", "start"}, admin, "--rounds", "2"));
      FedmeshLauncherIT.Result status = FedmeshLauncherIT.fedmesh(concat(new String[] {"round", "watch"}, admin));
      if (status.stdout().contains("round 2") && status.stdout().contains("committed")) {
        start = status;
        break;
      }
      Thread.sleep(1000);
    }
    assertThat(start.stdout()).as(start.stdout() + start.stderr()).containsPattern("round 1 +committed")
        .containsPattern("round 2 +committed");
    FedmeshLauncherIT.Result models = FedmeshLauncherIT.fedmesh(concat(new String[] {"model", "list"}, admin, "--json"));
    assertThat(models.exitCode()).as(models.stderr()).isZero();
    FedmeshLauncherIT.Result status = FedmeshLauncherIT.fedmesh(concat(new String[] {"round", "status"}, admin, "--json"));
    Matcher model = Pattern.compile("\"model_sha256\": ?\"([0-9a-f]{64})\"").matcher(status.stdout());
    assertThat(model.find()).as(status.stdout()).isTrue();
    Path pulled = work.resolve("global.bin");
    FedmeshLauncherIT.Result pull = FedmeshLauncherIT.fedmesh(concat(new String[] {"model", "pull"}, admin, model.group(1),
        "--out", pulled.toString()));
    assertThat(pull.exitCode()).as(pull.stderr()).isZero();
    assertThat(FedmeshLauncherIT.fedmesh("model", "verify", pulled.toString(), "--sha256", model.group(1)).exitCode()).isZero();
    // every participant fetched the committed model into its own store
    for (int i = 1; i < names.length; i++) {
      assertThat(work.resolve(names[i] + "/data/models/card-fraud/" + model.group(1) + ".bin")).exists();
    }
  }

  private static String[] concat(String[] head, String[] mid, String... tail) {
    List<String> all = new ArrayList<>(List.of(head));
    all.addAll(List.of(mid));
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }
}
