package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.fedmesh.node.cli.FedmeshMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests in deploy/k8s, checked with the real tools: {@code kubectl kustomize} renders
 * every overlay (offline), check/check.mjs validates every rendered object against the Kubernetes
 * schemas of npm kubernetes-models and the Prometheus Operator's CRD schemas, refusing unknown fields,
 * every node config in a rendered ConfigMap passes {@code fedmesh config check}, and the pieces that
 * must agree (pod names, configs, identities, ports, the Raft majority) do.
 */
class K8sManifestsTest {
  private static final Path MODULE = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  private static final Path K8S = MODULE.resolve("k8s");
  private static final Path CHECK = K8S.resolve("check");
  private static final Path RENDERED = MODULE.resolve("target/k8s-rendered");

  /** What a tool run printed on stdout and on stderr, and its exit code. */
  record Run(int exit, String stdout, String stderr) {
    String output() {
      return stdout + stderr;
    }
  }

  @BeforeAll
  static void tools() throws Exception {
    String kubectl = "kubectl 1.27 or newer, whose 'kubectl kustomize' is kustomize v5 (Debian bookworm's kubernetes-client is 1.20, "
        + "kustomize v2, too old for these kustomizations; the machine image's kubectl package works)";
    require("kubectl", List.of("kubectl", "version", "--client"), kubectl);
    String version = run(MODULE, 60, "kubectl", "version", "--client").output();
    java.util.regex.Matcher kustomize = java.util.regex.Pattern.compile("Kustomize Version: v(\\d+)").matcher(version);
    if (!kustomize.find() || Integer.parseInt(kustomize.group(1)) < 5) {
      fail("kubectl's kustomize is too old or unknown: install " + kubectl + "\n" + version);
    }
    require("node", List.of("node", "--version"), "Node.js (Debian package nodejs, 18 or newer)");
    require("npm", List.of("npm", "--version"), "npm (Debian package npm, or the one that comes with Node.js)");
    Path installed = CHECK.resolve("node_modules/.package-lock.json");
    if (!Files.exists(installed)
        || Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(CHECK.resolve("package-lock.json"))) < 0) {
      Run npm = run(CHECK, 300, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
      if (npm.exit() != 0) {
        fail("npm ci in " + CHECK + " failed (it installs the pinned kubernetes-models, prometheus-operator models and yaml "
            + "from the npm registry):\n" + npm.output());
      }
    }
    Files.createDirectories(RENDERED);
  }

  private static void require(String tool, List<String> command, String what) {
    try {
      Run r = run(MODULE, 60, command.toArray(String[]::new));
      if (r.exit() == 0) {
        return;
      }
      fail(tool + " does not run (" + String.join(" ", command) + " exited " + r.exit() + "): install " + what + "\n" + r.output());
    } catch (IOException e) {
      fail(tool + " not found on PATH: install " + what + " (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
  }

  static Run run(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
    p.getOutputStream().close();
    byte[][] out = new byte[2][];
    Thread stdout = drain(p.getInputStream(), out, 0);
    Thread stderr = drain(p.getErrorStream(), out, 1);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
    }
    stdout.join();
    stderr.join();
    return new Run(p.exitValue(), new String(out[0], StandardCharsets.UTF_8), new String(out[1], StandardCharsets.UTF_8));
  }

  private static Thread drain(java.io.InputStream in, byte[][] out, int index) {
    Thread reader = new Thread(() -> {
      try {
        out[index] = in.readAllBytes();
      } catch (IOException e) {
        out[index] = ("(output unreadable: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
      }
    });
    reader.start();
    return reader;
  }

  /** Every kustomization to render: each overlay, and the namespace. */
  static List<Path> kustomizations(Path k8s) throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> overlays = Files.list(k8s.resolve("overlays"))) {
      overlays.filter(d -> Files.exists(d.resolve("kustomization.yaml"))).sorted().forEach(dirs::add);
    }
    dirs.add(k8s.resolve("namespace"));
    return dirs;
  }

  static String render(Path kustomization) throws IOException, InterruptedException {
    Run r = run(kustomization, 120, "kubectl", "kustomize", kustomization.toString());
    assertThat(r.exit()).as("kubectl kustomize %s:\n%s", kustomization, r.output()).isZero();
    assertThat(r.stderr()).as("kubectl kustomize %s warns", kustomization).isEmpty();
    return r.stdout();
  }

  /** Renders every kustomization under k8s into out (one NAME.yaml each) and runs check.mjs on them all. */
  static Run renderAndCheck(Path k8s, Path out) throws IOException, InterruptedException {
    Files.createDirectories(out);
    List<String> command = new ArrayList<>(List.of("node", CHECK.resolve("check.mjs").toString()));
    for (Path dir : kustomizations(k8s)) {
      Path file = out.resolve(dir.getFileName() + ".yaml");
      Files.writeString(file, render(dir));
      command.add(file.toString());
    }
    return run(CHECK, 120, command.toArray(String[]::new));
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objects(String yaml) {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object o : new Yaml(new LoaderOptions()).loadAll(yaml)) {
      if (o != null) {
        objects.add((Map<String, Object>) o);
      }
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Object node, Object... path) {
    Object n = node;
    for (Object step : path) {
      if (n == null) {
        return null;
      }
      n = step instanceof Integer i ? ((List<Object>) n).get(i) : ((Map<String, Object>) n).get((String) step);
    }
    return (T) n;
  }

  static String name(Map<String, Object> object) {
    return at(object, "metadata", "name");
  }

  static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  static Map<String, Object> named(List<Map<String, Object>> objects, String kind, String name) {
    return ofKind(objects, kind).stream().filter(o -> name.equals(name(o))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendered manifests"));
  }

  @Test
  void everyOverlayRendersAndEveryObjectFitsItsSchemaWithNoUnknownField() throws Exception {
    Run check = renderAndCheck(K8S, RENDERED);
    assertThat(check.exit()).as("check.mjs on the rendered manifests (%s):\n%s", RENDERED, check.output()).isZero();
    assertThat(check.output()).startsWith("ok: ");
  }

  @Test
  void everyNodeConfigInARenderedConfigMapPassesFedmeshConfigCheck(@TempDir Path tmp) throws Exception {
    int checked = 0;
    for (Path dir : kustomizations(K8S)) {
      for (Map<String, Object> configMap : ofKind(objects(render(dir)), "ConfigMap")) {
        Map<String, String> data = at(configMap, "data");
        for (Map.Entry<String, String> entry : data.entrySet()) {
          if (!entry.getKey().endsWith(".yaml")) {
            continue;
          }
          Path file = tmp.resolve(entry.getKey());
          Files.writeString(file, entry.getValue());
          StringWriter out = new StringWriter();
          StringWriter err = new StringWriter();
          // The same command as `fedmesh config check FILE`, in this JVM.
          int exit = FedmeshMain.run(new String[] {"config", "check", file.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
          assertThat(exit).as("fedmesh config check of %s in ConfigMap %s (%s):\n%s%s", entry.getKey(), name(configMap), dir, out, err)
              .isZero();
          checked++;
        }
      }
    }
    assertThat(checked).as("node configs checked").isGreaterThanOrEqualTo(2);
  }

  /**
   * Each pod of each StatefulSet finds its own config (POD.yaml) and identity (POD/node.key and
   * POD/node.crt) in what is rendered beside it, and its config agrees with the manifests: the name
   * peers dial, the ports the container, Service and NetworkPolicies open, the mounted file paths.
   */
  @Test
  void everyPodHasItsConfigAndIdentityAndTheirPortsAgree() throws Exception {
    for (Path dir : kustomizations(K8S)) {
      List<Map<String, Object>> objects = objects(render(dir));
      for (Map<String, Object> set : ofKind(objects, "StatefulSet")) {
        checkStatefulSet(dir, objects, set);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void checkStatefulSet(Path dir, List<Map<String, Object>> objects, Map<String, Object> set) {
    String setName = name(set);
    String namespace = Objects.requireNonNull(at(set, "metadata", "namespace"), setName + ": no namespace");
    String serviceName = at(set, "spec", "serviceName");
    Map<String, Object> service = named(objects, "Service", serviceName);
    assertThat((String) at(service, "spec", "clusterIP")).as("%s: governing Service is headless", setName).isEqualTo("None");
    int replicas = at(set, "spec", "replicas");
    Map<String, Object> pod = at(set, "spec", "template", "spec");
    Map<String, Object> container = at(pod, "containers", 0);
    assertThat((List<String>) container.get("args")).as("%s args", setName)
        .containsExactly("node", "--config", "/etc/fedmesh/config/$(POD_NAME).yaml");
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Map<String, Object> p : (List<Map<String, Object>>) container.get("ports")) {
      ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
    }
    Map<String, String> mounts = new LinkedHashMap<>();
    for (Map<String, Object> m : (List<Map<String, Object>>) container.get("volumeMounts")) {
      mounts.put((String) m.get("name"), (String) m.get("mountPath"));
    }
    Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
    for (Map<String, Object> v : (List<Map<String, Object>>) pod.get("volumes")) {
      volumes.put((String) v.get("name"), v);
    }
    Map<String, String> config = at(named(objects, "ConfigMap", at(volumes.get("config"), "configMap", "name")), "data");
    Map<String, Object> identitySecret = named(objects, "Secret", at(volumes.get("identity"), "secret", "secretName"));
    Map<String, Object> identityKeys = new LinkedHashMap<>();
    for (String field : List.of("data", "stringData")) {
      Map<String, Object> d = at(identitySecret, field);
      if (d != null) {
        identityKeys.putAll(d);
      }
    }
    List<Map<String, String>> items = at(volumes.get("identity"), "secret", "items");
    Map<String, String> itemPaths = new LinkedHashMap<>();
    for (Map<String, String> item : items) {
      itemPaths.put(item.get("path"), item.get("key"));
    }
    Map<String, Object> servicePorts = new LinkedHashMap<>();
    for (Map<String, Object> p : (List<Map<String, Object>>) at(service, "spec", "ports")) {
      servicePorts.put((String) p.get("name"), p.get("port"));
    }
    Map<String, Integer> served = new LinkedHashMap<>(ports);
    served.remove("health"); // the kubelet's probes only: not a Service port
    assertThat(servicePorts).as("%s: Service %s ports", setName, serviceName).containsAllEntriesOf(served);
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      assertThat((Integer) at(container, probe, "grpc", "port")).as("%s: %s is a native gRPC probe on the health port", setName, probe)
          .isEqualTo(ports.get("health"));
    }
    for (int i = 0; i < replicas; i++) {
      String podName = setName + "-" + i;
      String what = dir.getFileName() + ": pod " + podName;
      assertThat(config).as("%s: its config %s.yaml", what, podName).containsKey(podName + ".yaml");
      for (String file : List.of("node.key", "node.crt")) {
        String key = itemPaths.get(podName + "/" + file);
        assertThat(key).as("%s: identity Secret item for %s/%s", what, podName, file).isNotNull();
        assertThat(identityKeys).as("%s: identity Secret key %s", what, key).containsKey(key);
      }
      Map<String, Object> node = new Yaml(new LoaderOptions()).load(config.get(podName + ".yaml"));
      assertThat(port(at(node, "metrics_listen"))).as("%s: metrics_listen port", what).isEqualTo(ports.get("metrics"));
      assertThat(host(at(node, "metrics_listen"))).as("%s: metrics_listen host (Prometheus reaches it)", what).isEqualTo("0.0.0.0");
      assertThat(port(at(node, "health_listen"))).as("%s: health_listen port (the probes')", what).isEqualTo(ports.get("health"));
      assertThat(host(at(node, "health_listen"))).as("%s: health_listen host (the kubelet reaches it)", what).isEqualTo("0.0.0.0");
      assertThat((String) at(node, "tls", "key")).as(what).isEqualTo(mounts.get("identity") + "/node.key");
      assertThat((String) at(node, "tls", "certificate")).as(what).isEqualTo(mounts.get("identity") + "/node.crt");
      assertThat((String) at(node, "tls", "ca")).as(what).startsWith(mounts.get("trust") + "/");
      assertThat((String) at(node, "tls", "crl")).as(what).startsWith(mounts.get("trust") + "/");
      assertThat((String) at(node, "data_dir")).as(what).isEqualTo(mounts.get("data"));
      String dnsName = podName + "." + serviceName + "." + namespace + ".svc.cluster.local";
      boolean reachable = !Boolean.FALSE.equals(at(node, "reachable"));
      if (reachable) {
        assertThat(port(at(node, "listen"))).as("%s: listen port", what).isEqualTo(ports.get("grpc"));
        assertThat((String) at(node, "advertise_host")).as("%s: advertise_host", what).isEqualTo(dnsName);
      } else {
        assertThat(ports).as("%s: behind a firewall, no gRPC port", what).doesNotContainKey("grpc");
      }
      Map<String, Object> raft = at(node, "raft");
      if (raft != null) {
        assertThat(port(at(raft, "listen"))).as("%s: raft.listen port", what).isEqualTo(ports.get("raft"));
        assertThat((String) at(raft, "advertise")).as("%s: raft.advertise", what).isEqualTo(dnsName + ":" + ports.get("raft"));
        assertThat(raftPortOpenOnlyToCoordinators(objects, ports.get("raft")))
            .as("%s: a NetworkPolicy opens Raft port %d in and out, only between coordinator-eligible pods", what, ports.get("raft"))
            .isTrue();
        Map<String, Object> pdb = ofKind(objects, "PodDisruptionBudget").stream().findFirst()
            .orElseThrow(() -> new AssertionError(what + ": Raft nodes without a PodDisruptionBudget"));
        assertThat((Integer) at(pdb, "spec", "minAvailable")).as("%s: PDB keeps a Raft majority of %d", what, replicas)
            .isGreaterThanOrEqualTo(replicas / 2 + 1);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean raftPortOpenOnlyToCoordinators(List<Map<String, Object>> objects, int port) {
    boolean in = false;
    boolean out = false;
    for (Map<String, Object> policy : ofKind(objects, "NetworkPolicy")) {
      for (String direction : List.of("ingress", "egress")) {
        List<Map<String, Object>> rules = at(policy, "spec", direction);
        if (rules == null) {
          continue;
        }
        for (Map<String, Object> rule : rules) {
          List<Map<String, Object>> rulePorts = (List<Map<String, Object>>) rule.get("ports");
          boolean opens = rulePorts == null || rulePorts.stream().anyMatch(p -> Integer.valueOf(port).equals(p.get("port")));
          if (!opens) {
            continue;
          }
          List<Map<String, Object>> peers = (List<Map<String, Object>>) rule.get(direction.equals("ingress") ? "from" : "to");
          boolean onlyCoordinators = peers != null && !peers.isEmpty() && peers.stream().allMatch(peer ->
              peer.get("ipBlock") == null && peer.get("namespaceSelector") == null
                  && "coordinator".equals(at(peer, "podSelector", "matchLabels", "app.kubernetes.io/component")));
          if (!onlyCoordinators) {
            return false;
          }
          if (direction.equals("ingress")) {
            in = true;
          } else {
            out = true;
          }
        }
      }
    }
    return in && out;
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private static String host(String hostPort) {
    return hostPort.substring(0, hostPort.lastIndexOf(':'));
  }

  /** The checks bite: an unknown field, a wrong type and a broken kustomization each fail. */
  @Test
  void aBrokenManifestFailsTheCheck(@TempDir Path tmp) throws Exception {
    Path copy = tmp.resolve("k8s");
    copyTree(K8S, copy);
    Path statefulSet = copy.resolve("base/statefulset.yaml");
    String original = Files.readString(statefulSet);
    Files.writeString(statefulSet, original.replace("          imagePullPolicy: IfNotPresent\n",
        "          imagePullPolicy: IfNotPresent\n          imagePullPolicyy: Always\n"));
    Run unknown = renderAndCheck(copy, tmp.resolve("rendered-unknown"));
    assertThat(unknown.exit()).as(unknown.output()).isEqualTo(1);
    assertThat(unknown.output()).contains("unknown field spec.template.spec.containers[0].imagePullPolicyy");

    Files.writeString(statefulSet, original.replace("  replicas: 1\n", "  replicas: \"1\"\n"));
    Run type = renderAndCheck(copy, tmp.resolve("rendered-type"));
    assertThat(type.exit()).as(type.output()).isEqualTo(1);
    assertThat(type.output()).contains("/spec/replicas: must be integer");

    Files.writeString(statefulSet, original);
    Path kustomization = copy.resolve("overlays/coordinator/kustomization.yaml");
    Files.writeString(kustomization, Files.readString(kustomization).replace("  - networkpolicy.yaml\n", "  - networkpolicyy.yaml\n"));
    Run render = run(copy, 120, "kubectl", "kustomize", copy.resolve("overlays/coordinator").toString());
    assertThat(render.exit()).as(render.output()).isNotZero();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path relative = from.relativize(source);
        if (relative.startsWith("check/node_modules")) {
          continue;
        }
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
