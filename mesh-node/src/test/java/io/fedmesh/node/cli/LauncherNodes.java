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

/**
 * Node processes for the launcher's integration tests, made as docs/operations.md has operators make
 * them: a CA with {@code fedmesh ca init}, each identity with {@code fedmesh keys init} and
 * {@code fedmesh ca sign}, and each node started with {@code ./fedmesh node}. Stops what it started.
 */
final class LauncherNodes implements AutoCloseable {
  final Path work;
  final List<Process> processes = new ArrayList<>();

  LauncherNodes(String prefix) throws Exception {
    this.work = Files.createTempDirectory(prefix);
    assertThat(FedmeshLauncherIT.fedmesh("ca", "init", "--out", work.resolve("ca").toString()).exitCode()).isZero();
  }

  /** Makes {@code name}'s key, certificate, CA and revocation list under {@code work/name/data}; returns its node id. */
  String identity(String name) throws Exception {
    Path data = work.resolve(name + "/data");
    FedmeshLauncherIT.Result keys = FedmeshLauncherIT.fedmesh("keys", "init", "--out", data.toString(), "--ip", "127.0.0.1");
    assertThat(keys.exitCode()).as(keys.stderr()).isZero();
    assertThat(FedmeshLauncherIT.fedmesh("ca", "sign", "--ca", work.resolve("ca").toString(), "--csr",
        data.resolve("node.csr").toString(), "--out", data.resolve("node.crt").toString(), "--yes").exitCode()).isZero();
    Files.copy(work.resolve("ca/ca.crt"), data.resolve("ca.crt"));
    Files.copy(work.resolve("ca/crl.pem"), data.resolve("crl.pem"));
    return keys.stdout().strip();
  }

  /** Starts a node process and returns the first group of the first output line matching {@code expect}. */
  String start(Path config, String expect) throws Exception {
    Path root = Path.of(System.getProperty("fedmesh.root", "..")).toAbsolutePath().normalize();
    Process p = new ProcessBuilder(root.resolve("fedmesh").toString(), "node", "--config", config.toString())
        .redirectErrorStream(true).start();
    processes.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Pattern wanted = Pattern.compile(expect);
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      Matcher m = wanted.matcher(line);
      if (m.find()) {
        // Keep reading, so a chatty node never blocks on a full pipe; keep it in a log beside the node's config.
        Path log = config.resolveSibling("node-" + processes.size() + ".log");
        Thread drain = new Thread(() -> {
          try (java.io.PrintWriter w = new java.io.PrintWriter(Files.newBufferedWriter(log))) {
            out.lines().forEach(l -> {
              w.println(l);
              w.flush();
            });
          } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // the node is gone
          }
        }, "drain");
        drain.setDaemon(true);
        drain.start();
        return m.groupCount() > 0 ? m.group(1) : "";
      }
    }
    throw new AssertionError("the node exited without its start line (" + expect + ")");
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
