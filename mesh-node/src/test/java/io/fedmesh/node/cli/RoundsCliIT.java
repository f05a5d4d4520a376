package io.fedmesh.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A federation made by hand as docs/operations.md describes (CA, keys, signed certificates, configs with
 * the rounds and participant sections), one node process each, runs rounds from the CLI: start, watch to
 * the end, list the models, pull the new one and verify it.
 */
class RoundsCliIT {
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private String node(Path config, String expect) throws Exception {
    Path root = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
    Process p = new ProcessBuilder(root.resolve("fedmesh").toString(), "node", "--config", config.toString())
        .redirectErrorStream(true).start();
    processes.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      Matcher m = Pattern.compile(expect).matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return m.groupCount() > 0 ? m.group(1) : "";
      }
    }
    throw new AssertionError("the node exited without its start line (" + expect + ")");
  }

  @Test
  void aHandMadeFederationRunsRoundsFromTheCli() throws Exception {
    Path work = Files.createTempDirectory("fedmesh-rounds");
    assertThat(FedmeshLauncherIT.fedmesh("ca", "init", "--out", work.resolve("ca").toString()).exitCode()).isZero();
    String[] names = {"coordinator", "bank-a", "bank-b", "bank-c"};
    String[] ids = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      Path data = work.resolve(names[i] + "/data");
      FedmeshLauncherIT.Result keys = FedmeshLauncherIT.fedmesh("keys", "init", "--out", data.toString(), "--ip", "127.0.0.1");
      assertThat(keys.exitCode()).as(keys.stderr()).isZero();
      ids[i] = keys.stdout().strip();
      assertThat(FedmeshLauncherIT.fedmesh("ca", "sign", "--ca", work.resolve("ca").toString(), "--csr",
          data.resolve("node.csr").toString(), "--out", data.resolve("node.crt").toString(), "--yes").exitCode()).isZero();
      Files.copy(work.resolve("ca/ca.crt"), data.resolve("ca.crt"));
      Files.copy(work.resolve("ca/crl.pem"), data.resolve("crl.pem"));
    }
    String federation = "federations:\n  card-fraud:\n    members:\n      " + ids[0] + ": [coordinator-eligible, admin]\n"
        + "      " + ids[1] + ": [participant]\n      " + ids[2] + ": [participant]\n      " + ids[3] + ": [participant]\n"
        + "    rounds:\n      coordinator: " + ids[0] + "\n      model: mlp:16\n      input_shape: [12]\n      classes: 2\n"
        + "      participants: {min: 3}\n      deadlines_ms: {train: 30000, phase: 15000, evaluation: 15000}\n";
    String timing = "listen: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ngossip: {probe_interval_ms: 200, probe_timeout_ms: 100}\n";
    Path coordinator = Files.writeString(work.resolve("coordinator/node.yaml"), timing + federation);
    FedmeshLauncherIT.Result check = FedmeshLauncherIT.fedmesh("config", "check", coordinator.toString());
    assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
    String port = node(coordinator, "listening on port (\\d+)");
    for (int i = 1; i < names.length; i++) {
      Path config = Files.writeString(work.resolve(names[i] + "/node.yaml"), timing + "seeds: [" + ids[0] + "@127.0.0.1:"
          + port + "]\n" + federation + "participant:\n  card-fraud:\n    data: {synthetic: {institution: " + (i - 1)
          + ", institutions: 3, rows: 600}}\n");
      node(config, "taking part in the rounds of federation 'card-fraud'");
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
