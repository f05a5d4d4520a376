package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Red team of the rendered NetworkPolicies (both overlays, applied together in namespace fedmesh), read as an
 * attacker in the cluster: a small evaluator of NetworkPolicy semantics (podSelector and namespaceSelector with
 * matchLabels and matchExpressions, ipBlock, ports with protocol and endPort, named ports, policyTypes; a connection
 * needs the source's egress and the destination's ingress) decides who reaches which port of which pod.
 *
 * <p>Not modelled: traffic from the node itself (kubelet's probes), which CNIs let through whatever the policies
 * say, and hostNetwork pods, which share the node's address: both reach every port of a pod on that node.
 */
class NetworkPolicyRedTeamTest {
  private static final String NS = "fedmesh";
  private static final int GRPC = 7400;
  private static final int RAFT = 7401;
  private static final int HEALTH = 7402;
  private static final int METRICS = 9400;

  private static final List<Map<String, Object>> policies = new ArrayList<>();
  private static final Map<String, Map<String, Object>> podTemplates = new HashMap<>();

  /** A pod (namespace, its labels) or, with a null namespace, an address outside the cluster. */
  record Peer(String name, String namespace, Map<String, String> labels, String ip, Map<String, Object> template) {
    static Peer pod(String name, String namespace, Map<String, String> labels) {
      return new Peer(name, namespace, labels, "10.244.9.9", null);
    }

    static Peer external(String name, String ip) {
      return new Peer(name, null, Map.of(), ip, null);
    }

    Map<String, String> namespaceLabels() {
      return Map.of("kubernetes.io/metadata.name", namespace);
    }
  }

  private static Peer coordinator;
  private static Peer participant;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void render() throws Exception {
    Path k8s = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().resolve("k8s");
    for (String overlay : List.of("coordinator", "participant")) {
      for (Object o : new Yaml(new LoaderOptions()).loadAll(K8sManifestsTest.render(k8s.resolve("overlays").resolve(overlay)))) {
        Map<String, Object> object = (Map<String, Object>) o;
        if (object == null) {
          continue;
        }
        if ("NetworkPolicy".equals(object.get("kind"))) {
          assertThat(((Map<String, Object>) object.get("metadata")).get("namespace")).isEqualTo(NS);
          policies.add(object);
        } else if ("StatefulSet".equals(object.get("kind"))) {
          podTemplates.put(overlay, (Map<String, Object>) ((Map<String, Object>) object.get("spec")).get("template"));
        }
      }
    }
    assertThat(policies).as("rendered NetworkPolicies").hasSizeGreaterThanOrEqualTo(4);
    coordinator = fromTemplate("coordinator");
    participant = fromTemplate("participant");
  }

  @SuppressWarnings("unchecked")
  private static Peer fromTemplate(String overlay) {
    Map<String, Object> template = Objects.requireNonNull(podTemplates.get(overlay), overlay + " StatefulSet");
    Map<String, String> labels = (Map<String, String>) ((Map<String, Object>) template.get("metadata")).get("labels");
    return new Peer(overlay, NS, labels, "10.244.1." + overlay.length(), template);
  }

  // --- attackers and friends ---
  private static final Peer MONITORING = Peer.pod("prometheus in monitoring", "monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
  private static final Peer DEFAULT_POD = Peer.pod("a pod in default", "default", Map.of("app", "web"));
  private static final Peer SAME_NS_POD = Peer.pod("an unlabelled pod in fedmesh", NS, Map.of("app", "debug"));
  private static final Peer SAME_NS_SPOOF = Peer.pod("a pod in fedmesh labelled like fedmesh, no component", NS,
      Map.of("app.kubernetes.io/name", "fedmesh"));
  private static final Peer KUBE_SYSTEM = Peer.pod("a pod in kube-system", "kube-system", Map.of("k8s-app", "kube-dns"));
  private static final Peer INTERNET = Peer.external("an address outside the cluster", "203.0.113.7");
  private static final Peer MONITORING_LOOKALIKE = Peer.pod("a pod in namespace monitoring-dev", "monitoring-dev",
      Map.of("app.kubernetes.io/name", "prometheus"));

  private static List<Peer> everyone() {
    return List.of(coordinator, participant, MONITORING, DEFAULT_POD, SAME_NS_POD, SAME_NS_SPOOF, KUBE_SYSTEM, INTERNET,
        MONITORING_LOOKALIKE);
  }

  @Test
  void theEvaluatorLetsThroughWhatTheFederationNeeds() {
    assertThat(allowed(coordinator, coordinator, RAFT)).as("Raft between coordinators").isTrue();
    assertThat(allowed(participant, coordinator, GRPC)).as("a participant dials a coordinator's gRPC port").isTrue();
    assertThat(allowed(INTERNET, coordinator, GRPC)).as("other institutions dial the gRPC port (mutual TLS)").isTrue();
    assertThat(allowed(MONITORING, coordinator, METRICS)).as("Prometheus scrapes a coordinator").isTrue();
    assertThat(allowed(MONITORING, participant, METRICS)).as("Prometheus scrapes a participant").isTrue();
    assertThat(allowed(coordinator, KUBE_SYSTEM, 53, "UDP")).as("DNS").isTrue();
  }

  @Test
  void onlyCoordinatorsReachTheRaftPort() {
    for (Peer p : everyone()) {
      assertThat(allowed(p, coordinator, RAFT)).as("%s -> coordinator:%d", p.name(), RAFT).isEqualTo(p == coordinator);
      assertThat(allowed(p, coordinator, RAFT, "UDP")).as("%s -> coordinator:%d/UDP", p.name(), RAFT).isFalse();
    }
  }

  @Test
  void onlyTheMonitoringNamespaceReachesTheMetricsPort() {
    for (Peer target : List.of(coordinator, participant)) {
      for (Peer p : everyone()) {
        assertThat(allowed(p, target, METRICS)).as("%s -> %s:%d", p.name(), target.name(), METRICS).isEqualTo(p == MONITORING);
      }
    }
  }

  /** 7402 is for the kubelet (node traffic, outside NetworkPolicy) only: no pod and no outside address reaches it. */
  @Test
  void noPodReachesTheHealthPort() {
    for (Peer target : List.of(coordinator, participant)) {
      for (Peer p : everyone()) {
        assertThat(allowed(p, target, HEALTH)).as("%s -> %s:%d", p.name(), target.name(), HEALTH).isFalse();
      }
    }
  }

  /** A firewalled participant accepts nothing but the scrape; coordinators take gRPC from anyone and nothing else. */
  @Test
  void nothingElseIsOpen() {
    for (int port : List.of(GRPC, RAFT, HEALTH, 22, 5005, 8080, 9090, 7403)) {
      for (Peer p : everyone()) {
        assertThat(allowed(p, participant, port)).as("%s -> participant:%d", p.name(), port).isFalse();
        if (port != GRPC && port != RAFT) {
          assertThat(allowed(p, coordinator, port)).as("%s -> coordinator:%d", p.name(), port).isFalse();
        }
      }
    }
    // Out of a FedMesh pod only DNS, gRPC and (coordinators) Raft: no Kubernetes API, no metadata service, no web.
    for (Peer from : List.of(coordinator, participant)) {
      for (int port : List.of(443, 6443, 80, 10250, 2379)) {
        assertThat(egressAllowed(from, Peer.external("api", "10.96.0.1"), port, "TCP")).as("%s -> :%d", from.name(), port).isFalse();
      }
      assertThat(egressAllowed(from, Peer.external("metadata", "169.254.169.254"), 80, "TCP")).as("%s -> metadata", from.name()).isFalse();
    }
  }

  // --- the evaluator ---

  private static boolean allowed(Peer from, Peer to, int port) {
    return allowed(from, to, port, "TCP");
  }

  /** Whether {@code from} may open a connection to {@code to}'s {@code port}: egress of the source and ingress of the destination. */
  static boolean allowed(Peer from, Peer to, int port, String protocol) {
    return egressAllowed(from, to, port, protocol) && ingressAllowed(from, to, port, protocol);
  }

  static boolean ingressAllowed(Peer from, Peer to, int port, String protocol) {
    if (to.namespace() == null) {
      return true;
    }
    return direction(to, from, port, protocol, "Ingress", "ingress", "from");
  }

  static boolean egressAllowed(Peer from, Peer to, int port, String protocol) {
    if (from.namespace() == null || !NS.equals(from.namespace())) {
      return true; // no policies modelled outside namespace fedmesh: the attacker's own egress is open
    }
    return direction(from, to, port, protocol, "Egress", "egress", "to");
  }

  /** For the pod {@code self}: isolated in {@code type}? then some rule of a policy selecting it must admit {@code other}. */
  @SuppressWarnings("unchecked")
  private static boolean direction(Peer self, Peer other, int port, String protocol, String type, String rulesKey, String peersKey) {
    if (!NS.equals(self.namespace())) {
      return true;
    }
    boolean isolated = false;
    for (Map<String, Object> policy : policies) {
      Map<String, Object> spec = (Map<String, Object>) policy.get("spec");
      if (!selects((Map<String, Object>) spec.get("podSelector"), self.labels())) {
        continue;
      }
      List<String> types = (List<String>) spec.get("policyTypes");
      if (types == null) {
        types = spec.containsKey("egress") ? List.of("Ingress", "Egress") : List.of("Ingress");
      }
      if (!types.contains(type)) {
        continue;
      }
      isolated = true;
      List<Map<String, Object>> rules = (List<Map<String, Object>>) spec.get(rulesKey);
      for (Map<String, Object> rule : rules == null ? List.<Map<String, Object>>of() : rules) {
        // The port is the destination's: named ports resolve against the destination pod's containers.
        Peer destination = type.equals("Ingress") ? self : other;
        if (portMatches((List<Map<String, Object>>) rule.get("ports"), destination, port, protocol)
            && peerMatches((List<Map<String, Object>>) rule.get(peersKey), other)) {
          return true;
        }
      }
    }
    return !isolated;
  }

  @SuppressWarnings("unchecked")
  private static boolean portMatches(List<Map<String, Object>> ports, Peer destination, int port, String protocol) {
    if (ports == null || ports.isEmpty()) {
      return true;
    }
    for (Map<String, Object> p : ports) {
      String proto = (String) p.getOrDefault("protocol", "TCP");
      if (!proto.equals(protocol)) {
        continue;
      }
      Object value = p.get("port");
      if (value == null) {
        return true; // all ports of the protocol
      }
      Integer number = value instanceof Integer i ? i : namedPort(destination, (String) value, protocol);
      if (number == null) {
        continue;
      }
      Integer end = (Integer) p.get("endPort");
      if (end == null ? number == port : port >= number && port <= end) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static Integer namedPort(Peer destination, String name, String protocol) {
    if (destination.template() == null) {
      return null;
    }
    Map<String, Object> podSpec = (Map<String, Object>) destination.template().get("spec");
    for (Map<String, Object> c : (List<Map<String, Object>>) podSpec.get("containers")) {
      for (Map<String, Object> p : (List<Map<String, Object>>) c.getOrDefault("ports", List.of())) {
        if (name.equals(p.get("name")) && protocol.equals(p.getOrDefault("protocol", "TCP"))) {
          return (Integer) p.get("containerPort");
        }
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static boolean peerMatches(List<Map<String, Object>> peers, Peer other) {
    if (peers == null || peers.isEmpty()) {
      return true;
    }
    for (Map<String, Object> peer : peers) {
      Map<String, Object> ipBlock = (Map<String, Object>) peer.get("ipBlock");
      if (ipBlock != null) {
        if (inCidr(other.ip(), (String) ipBlock.get("cidr"))
            && ((List<String>) ipBlock.getOrDefault("except", List.of())).stream().noneMatch(e -> inCidr(other.ip(), e))) {
          return true;
        }
        continue;
      }
      if (other.namespace() == null) {
        continue; // selectors match pods only
      }
      Map<String, Object> podSelector = (Map<String, Object>) peer.get("podSelector");
      Map<String, Object> namespaceSelector = (Map<String, Object>) peer.get("namespaceSelector");
      boolean namespaceOk = namespaceSelector == null ? NS.equals(other.namespace()) : selects(namespaceSelector, other.namespaceLabels());
      boolean podOk = podSelector == null || selects(podSelector, other.labels());
      if (namespaceOk && podOk) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  static boolean selects(Map<String, Object> selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    Map<String, String> match = (Map<String, String>) selector.getOrDefault("matchLabels", Map.of());
    for (Map.Entry<String, String> e : match.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (Map<String, Object> expression : (List<Map<String, Object>>) selector.getOrDefault("matchExpressions", List.of())) {
      String key = (String) expression.get("key");
      List<String> values = (List<String>) expression.getOrDefault("values", List.of());
      boolean ok = switch ((String) expression.get("operator")) {
        case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
        case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
        case "Exists" -> labels.containsKey(key);
        case "DoesNotExist" -> !labels.containsKey(key);
        default -> throw new AssertionError("unknown operator in " + expression);
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean inCidr(String ip, String cidr) {
    if (ip.contains(":") != cidr.contains(":")) {
      return false;
    }
    String[] c = cidr.split("/");
    int bits = Integer.parseInt(c[1]);
    long a = v4(ip);
    long n = v4(c[0]);
    long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
    return (a & mask) == (n & mask);
  }

  private static long v4(String ip) {
    long v = 0;
    for (String part : ip.split("\\.")) {
      v = (v << 8) | Integer.parseInt(part);
    }
    return v;
  }

  /** The checks bite: one more policy opening 7402 to the namespace, or Raft to every pod, is seen. */
  @Test
  void aPolicyOpeningMoreIsCaught() {
    Map<String, Object> health = Map.of("kind", "NetworkPolicy", "spec", Map.of("podSelector", Map.of(), "policyTypes", List.of("Ingress"),
        "ingress", List.of(Map.of("from", List.of(Map.of("podSelector", Map.of())), "ports", List.of(Map.of("port", HEALTH))))));
    Map<String, Object> raft = Map.of("kind", "NetworkPolicy", "spec", Map.of("podSelector", Map.of("matchLabels",
        Map.of("app.kubernetes.io/name", "fedmesh")), "policyTypes", List.of("Ingress", "Egress"),
        "ingress", List.of(Map.of("ports", List.of(Map.of("port", 7000, "endPort", 7999)))),
        "egress", List.of(Map.of("ports", List.of(Map.of("port", 7000, "endPort", 7999))))));
    policies.add(health);
    try {
      assertThat(allowed(SAME_NS_POD, coordinator, HEALTH)).isTrue();
      assertThat(allowed(DEFAULT_POD, coordinator, HEALTH)).as("podSelector alone: the policy's namespace only").isFalse();
    } finally {
      policies.remove(health);
    }
    policies.add(raft);
    try {
      assertThat(allowed(participant, coordinator, RAFT)).isTrue();
    } finally {
      policies.remove(raft);
    }
    assertThat(allowed(participant, coordinator, RAFT)).isFalse();
  }

  @Test
  void theEvaluatorItselfFollowsTheSemantics() {
    Map<String, Object> inSel = Map.of("matchExpressions", List.of(Map.of("key", "a", "operator", "In", "values", List.of("x"))));
    assertThat(selects(inSel, Map.of("a", "x"))).isTrue();
    assertThat(selects(inSel, Map.of("a", "y"))).isFalse();
    assertThat(selects(Map.of(), Map.of("z", "1"))).as("an empty selector selects all").isTrue();
    assertThat(inCidr("10.1.2.3", "10.0.0.0/8")).isTrue();
    assertThat(inCidr("11.1.2.3", "10.0.0.0/8")).isFalse();
    assertThat(inCidr("203.0.113.7", "0.0.0.0/0")).isTrue();
  }
}
