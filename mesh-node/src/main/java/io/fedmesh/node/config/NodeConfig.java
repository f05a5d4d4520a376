package io.fedmesh.node.config;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A node's configuration file (YAML). Every field has a default; see docs/operations.md:
 *
 * <pre>
 * data_dir: data                  # relative to this file; holds node.key, node.crt, ca.crt, crl.pem
 * listen: 0.0.0.0:7400            # gRPC (mutual TLS); port 0 picks a free port
 * metrics_listen: 127.0.0.1:9400  # Prometheus /metrics (plain HTTP: keep it on a private interface)
 * health_listen: 0.0.0.0:7402     # optional: grpc.health.v1 in plaintext, for Kubernetes' gRPC probes (off by default)
 * tls: {key: node.key, certificate: node.crt, ca: ca.crt, crl: crl.pem}   # relative to data_dir
 * #   also crl_grace_hours: 24: how long a revocation list past its next update stays in force
 * federations:
 *   card-fraud:
 *     members:
 *       5f2a...e1: [participant, admin]   # node id (64 hex digits): roles
 * advertise_host: 10.0.0.11       # where peers reach this node's gRPC port (default: the listen host)
 * seeds: [5f2a...e1@10.0.0.12:7400]  # nodes to join the mesh through: id@HOST:PORT
 * gossip: {probe_interval_ms: 1000, probe_timeout_ms: 500, relay_grace_ms: 10000}   # SWIM timing
 * reachable: true                 # false: behind a firewall; never listens for peers, attaches via a seed
 * relay: {reconnect_base_ms: 250, reconnect_max_ms: 4000,   # behind a firewall: redial backoff
 *         stall_timeout_ms: 10000}   # hang up on a Connect stream that takes nothing queued for this long
 * limits: {gossip_per_s: 100, envelopes_per_s: 1000, calls_per_connection: 100}   # per peer; see Limits
 * raft: {listen: 0.0.0.0:7401,    # federation ledgers (coordinator-eligible nodes); see Raft, docs/ledger.md
 *        advertise: HOST:PORT,    # what peers dial (default: advertise_host or the listen host, and the port)
 *        election_timeout_ms: {min: 500, max: 1000}, snapshot_every: 1000}
 * </pre>
 *
 * <p>How a federation trains ({@link #rounds(String)}, the same on every member), and how this node takes
 * part ({@link #participant()}); defaults shown, {@code <id>} is a node id (64 hex digits):
 *
 * <pre>
 * federations:
 *   card-fraud:
 *     members: {&lt;id&gt;: [participant], &lt;id&gt;: [coordinator-eligible, admin]}
 *     rounds:                       # optional; without it the federation runs no rounds
 *       coordinator: &lt;id&gt;          # required; a member with role coordinator-eligible, or 'elected': the Raft
 *                                   # leader of the federation's ledger group (docs/ledger.md)
 *       model: mlp:16               # required; logistic, mlp, mlp:W1,W2,..., cnn or a .json spec (relative to this file)
 *       input_shape: [30]           # required; one example's shape
 *       classes: 2                  # required; 2 to 10000
 *       init_seed: 1                # the initial model's weights
 *       strategy: fedavg            # fedavg | fedprox (needs training.proximal_mu &gt; 0) | scaffold | fedavgm | fedadam | fedyogi | fedadagrad
 *       server_lr: 1.0              # eta: the server's step along the mean update
 *       server_optimizer: {beta_1: 0.9, beta_2: 0.99, tau: 0.001}   # fedavgm (beta_1 = momentum), fedadam, fedyogi, fedadagrad
 *       personalisation: {private_layers: [], fine_tune_epochs: 0}  # FedPer: layers (name prefixes) never sent; local fine-tuning
 *       training: {optimizer: sgd, learning_rate: 0.05, epochs: 1, batch_size: 32, proximal_mu: 0}
 *       participants: {min: 2, max: 100, sampling: 1.0}      # 2 &lt;= min &lt;= max &lt;= 100000; sampling in (0, 1]
 *       deadlines_ms: {train: 120000, phase: 30000, evaluation: 60000}   # each 100 ms to 24 h
 *       targets: {dropout: 0.1, corrupt: 0.05}               # fractions in [0, 0.5)
 *       weight_cap: 10000           # a participant weighs min(its examples, cap)
 *       unit_weights: false         # every participant weighs 1 (required when dp.noise_multiplier &gt; 0)
 *       clip_norm: 1.0              # L2 norm each update is clipped to
 *       dp: {noise_multiplier: 0, delta: 1.0e-5}             # central DP; 0: none
 * participant:                      # optional; one entry per federation this node trains in
 *   card-fraud:                     # a federation above that has a rounds section
 *     data:                         # required; exactly one kind; paths relative to this file
 *       synthetic: {institution: 0, institutions: 4, rows: 2000, seed: 1}   # institution required
 *       # csv: {path: fraud.csv, label: label}                              # path required
 *       # idx: {images: imgs-idx3-ubyte, labels: labels-idx1-ubyte, first: 0, count: 0}   # count 0: to the end
 *     holdout: 0.2                  # fraction of local rows kept for federated evaluation, in (0, 0.9]
 *     holdout_seed: 1
 *     policy:                       # enforced by this node whatever the coordinator says
 *       require_malicious_server: true
 *       min_cohort: 3
 *       min_threshold: 2
 *       targets: {dropout: 0.1, corrupt: 0.05}
 *       coordinators: []            # coordinator-eligible members; empty: the rounds section's coordinator
 *       max_consecutive_aborts: 5
 *     privacy_cap: {epsilon: 8, delta: 1.0e-5}   # optional; the most DDG and DP-SGD rounds may spend on this node's
 *                                   # data in this federation (epsilon in (0, 1000], delta in (0, 0.1), default 1e-5);
 *                                   # absent: no cap, the spend is still recorded
 * </pre>
 *
 * <p>Problems are collected with their path ({@code federations.card-fraud.rounds.clip_norm: expected a
 * positive number, got '-1'}); unknown fields are problems too.
 */
public record NodeConfig(Path dataDir, InetSocketAddress listen, InetSocketAddress metricsListen, Tls tls,
    Map<String, Map<NodeId, Set<Role>>> federations, String advertiseHost, List<Seed> seeds,
    io.fedmesh.node.gossip.SwimParameters gossip, boolean reachable, Relay relay, Limits limits,
    Map<String, FederationSettings> rounds, Map<String, ParticipantSettings> participant, Optional<Raft> raft,
    Optional<InetSocketAddress> healthListen) {

  /**
   * The node's Raft endpoint for federation ledgers ({@code raft:}; docs/ledger.md, "Ports"), needed on a
   * coordinator-eligible node of a federation whose coordinator is elected. The port is fixed (it is
   * stored in the Raft group's configuration on every peer), so 0 is refused.
   *
   * @param listen where Ratis listens (mutual TLS with the node's identity)
   * @param advertise HOST:PORT peers dial, announced in this node's ALIVE news
   * @param electionTimeoutMinMillis Raft election timeout, lower bound
   * @param electionTimeoutMaxMillis and upper bound (randomised between the two)
   * @param snapshotEvery take a ledger snapshot (and purge the log) every this many entries
   */
  public record Raft(InetSocketAddress listen, String advertise, long electionTimeoutMinMillis, long electionTimeoutMaxMillis,
      long snapshotEvery) {}

  public NodeConfig {
    rounds = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(rounds));
    participant = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(participant));
  }

  /** The federation's rounds settings in the shape of its {@code rounds:} section, or "" if it has none. */
  public String describeRounds(String federation) {
    return rounds(federation).map(RoundsSection::render).orElse("");
  }

  /** Raft timing as the glue takes it. */
  public io.fedmesh.node.raft.RaftSettings raftSettings() {
    Raft r = raft.orElseThrow();
    return new io.fedmesh.node.raft.RaftSettings(java.time.Duration.ofMillis(r.electionTimeoutMinMillis()),
        java.time.Duration.ofMillis(r.electionTimeoutMaxMillis()), java.time.Duration.ofSeconds(10), r.snapshotEvery());
  }

  /** The federation's {@code rounds:} section: empty if it has none (it runs no rounds) or is unknown. */
  public Optional<FederationSettings> rounds(String federation) {
    return Optional.ofNullable(rounds.get(federation));
  }

  /**
   * What one authenticated peer may use of this node (docs/operations.md, "Limits"): beyond, its
   * calls or messages are refused RESOURCE_EXHAUSTED or dropped, counted in
   * {@code fedmesh_limits_refused_total}, and nobody else is affected.
   *
   * @param gossipPerSecond gossip Deliver calls a peer may make, on average ({@code gossipBurst} at once)
   * @param envelopesPerSecond envelopes from one sender accepted, on average ({@code envelopeBurst} at once)
   * @param newsChecksPerSecond signature and certificate checks a peer's gossip news may cost this node,
   *     on average ({@code newsCheckBurst} at once: a joining node's first sync carries the whole membership)
   * @param callsPerConnection concurrent calls (HTTP/2 streams) on one connection
   * @param callsPerPeer concurrent calls from one node, over all its connections
   */
  public record Limits(int gossipPerSecond, int gossipBurst, int envelopesPerSecond, int envelopeBurst,
      int newsChecksPerSecond, int newsCheckBurst, int callsPerConnection, int callsPerPeer) {
    static final Map<String, Integer> DEFAULTS = defaultsByKey();

    public static Limits defaults() {
      return new Limits(100, 200, 1000, 2000, 50, 1000, 100, 200);
    }

    private static Map<String, Integer> defaultsByKey() {
      Limits d = defaults();
      Map<String, Integer> m = new LinkedHashMap<>();
      m.put("gossip_per_s", d.gossipPerSecond());
      m.put("gossip_burst", d.gossipBurst());
      m.put("envelopes_per_s", d.envelopesPerSecond());
      m.put("envelope_burst", d.envelopeBurst());
      m.put("news_checks_per_s", d.newsChecksPerSecond());
      m.put("news_check_burst", d.newsCheckBurst());
      m.put("calls_per_connection", d.callsPerConnection());
      m.put("calls_per_peer", d.callsPerPeer());
      return m;
    }

    static Limits parse(Map<String, Object> given, List<String> problems) {
      unknownKeys(given, DEFAULTS.keySet(), "limits.", problems);
      Map<String, Integer> v = new LinkedHashMap<>(DEFAULTS);
      for (String key : DEFAULTS.keySet()) {
        if (!given.containsKey(key)) {
          continue;
        }
        try {
          int n = Integer.parseInt(String.valueOf(given.get(key)));
          if (n < 1 || n > 1_000_000) {
            throw new NumberFormatException();
          }
          v.put(key, n);
        } catch (NumberFormatException e) {
          problems.add("limits." + key + ": expected a whole number from 1 to 1000000, got " + describe(given.get(key)));
        }
      }
      Limits l = new Limits(v.get("gossip_per_s"), v.get("gossip_burst"), v.get("envelopes_per_s"), v.get("envelope_burst"),
          v.get("news_checks_per_s"), v.get("news_check_burst"), v.get("calls_per_connection"), v.get("calls_per_peer"));
      if (l.callsPerPeer() < l.callsPerConnection()) {
        problems.add("limits.calls_per_peer (" + l.callsPerPeer() + ") must be at least limits.calls_per_connection ("
            + l.callsPerConnection() + ")");
      }
      return l;
    }
  }

  /**
   * Relay streams: how a node behind a firewall redials a relay (jittered exponential backoff between
   * the two bounds), and how long any Connect stream may leave envelopes queued without taking one
   * before this node hangs up on it.
   */
  public record Relay(long reconnectBaseMillis, long reconnectMaxMillis, long stallTimeoutMillis) {
    public static Relay defaults() {
      return new Relay(250, 4000, 10_000);
    }
  }

  /** A node to join the mesh through: its id (pinned) and where it listens. */
  public record Seed(NodeId id, String address) {}

  /** The node's TLS material, resolved against the data directory. */
  public record Tls(Path key, Path certificate, Path ca, Path crl, java.time.Duration crlGrace) {}

  private static final Set<String> TOP = Set.of("data_dir", "listen", "metrics_listen", "health_listen", "tls", "federations",
      "advertise_host", "seeds", "gossip", "reachable", "relay", "limits", "participant", "raft");
  private static final Set<String> TLS = Set.of("key", "certificate", "ca", "crl", "crl_grace_hours");
  private static final Pattern FEDERATION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final int DEFAULT_PORT = 7400;
  private static final int DEFAULT_METRICS_PORT = 9400;

  /** What is wrong with a config file: each problem names where it is. */
  public static final class InvalidConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    InvalidConfigException(Path file, List<String> problems) {
      super(file + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ": " + String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  /** @throws InvalidConfigException listing every problem found (not just the first) */
  public static NodeConfig load(Path file) throws IOException, InvalidConfigException {
    String text;
    try {
      text = TextFiles.read(file, TextFiles.CONFIG_BYTES);
    } catch (NoSuchFileException e) {
      throw new InvalidConfigException(file, List.of("no such file"));
    }
    Object root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(10);
      options.setCodePointLimit(1 << 20);
      root = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new InvalidConfigException(file, List.of("not valid YAML: " + e.getMessage().replace('\n', ' ')));
    }
    List<String> problems = new ArrayList<>();
    Map<String, Object> top = root == null ? Map.of() : map(root, "the file", problems);
    unknownKeys(top, TOP, "", problems);
    Path base = file.toAbsolutePath().getParent();
    Path dataDir = base.resolve(string(top.get("data_dir"), "data_dir", "data", problems));
    InetSocketAddress listen = address(top.get("listen"), "listen", "0.0.0.0:" + DEFAULT_PORT, problems);
    InetSocketAddress metrics = address(top.get("metrics_listen"), "metrics_listen", "127.0.0.1:" + DEFAULT_METRICS_PORT, problems);
    Optional<InetSocketAddress> health = top.get("health_listen") == null ? Optional.empty()
        : Optional.of(address(top.get("health_listen"), "health_listen", "", problems));
    Map<String, Object> tls = top.containsKey("tls") ? map(top.get("tls"), "tls", problems) : Map.of();
    unknownKeys(tls, TLS, "tls.", problems);
    Tls material = new Tls(dataDir.resolve(string(tls.get("key"), "tls.key", "node.key", problems)),
        dataDir.resolve(string(tls.get("certificate"), "tls.certificate", "node.crt", problems)),
        dataDir.resolve(string(tls.get("ca"), "tls.ca", "ca.crt", problems)),
        dataDir.resolve(string(tls.get("crl"), "tls.crl", "crl.pem", problems)), crlGrace(tls.get("crl_grace_hours"), problems));
    Map<String, Map<NodeId, Set<Role>>> federations = new TreeMap<>();
    Map<String, FederationSettings> rounds = new TreeMap<>();
    Set<String> withRounds = new java.util.HashSet<>();
    Map<String, Object> feds = top.containsKey("federations") ? map(top.get("federations"), "federations", problems) : Map.of();
    for (Map.Entry<String, Object> f : feds.entrySet()) {
      String name = String.valueOf(f.getKey());
      String where = "federations." + name;
      if (!FEDERATION.matcher(name).matches()) {
        problems.add(where + ": a federation name is 1-63 lowercase letters, digits and '-', starting with a letter or digit");
      }
      Map<String, Object> fed = map(f.getValue(), where, problems);
      unknownKeys(fed, Set.of("members", "rounds"), where + ".", problems);
      Map<NodeId, Set<Role>> members = new LinkedHashMap<>();
      Map<String, Object> m = fed.containsKey("members") ? map(fed.get("members"), where + ".members", problems) : Map.of();
      if (m.isEmpty()) {
        problems.add(where + ".members: a federation needs at least one member");
      }
      for (Map.Entry<String, Object> member : m.entrySet()) {
        String at = where + ".members." + member.getKey();
        NodeId id;
        try {
          id = NodeId.ofHex(String.valueOf(member.getKey()));
        } catch (CryptoException e) {
          problems.add(at + ": not a node id (64 hex digits, as 'fedmesh keys init' prints)");
          continue;
        }
        members.put(id, roles(member.getValue(), at, problems));
      }
      federations.put(name, members);
      if (fed.containsKey("rounds")) {
        withRounds.add(name);
        FederationSettings settings = RoundsSection.parse(Section.of(fed.get("rounds"), where + ".rounds", problems), members,
            base, problems);
        if (settings != null) {
          rounds.put(name, settings);
        }
      }
    }
    String advertise = top.get("advertise_host") == null ? null : String.valueOf(top.get("advertise_host"));
    List<Seed> seeds = new ArrayList<>();
    Object seedList = top.get("seeds");
    if (seedList != null && !(seedList instanceof List<?>)) {
      problems.add("seeds: expected a list of id@HOST:PORT");
    } else if (seedList != null) {
      for (Object seed : (List<?>) seedList) {
        String entry = String.valueOf(seed);
        int at = entry.indexOf('@');
        try {
          if (at <= 0) {
            throw new IllegalArgumentException();
          }
          NodeId id = NodeId.ofHex(entry.substring(0, at));
          address(entry.substring(at + 1), "seeds " + entry, "", problems);
          seeds.add(new Seed(id, entry.substring(at + 1)));
        } catch (CryptoException | IllegalArgumentException e) {
          problems.add("seeds: '" + entry + "' is not id@HOST:PORT (the node id as 'fedmesh keys init' prints it)");
        }
      }
    }
    Map<String, Object> g = top.containsKey("gossip") ? map(top.get("gossip"), "gossip", problems) : Map.of();
    unknownKeys(g, Set.of("probe_interval_ms", "probe_timeout_ms", "relay_grace_ms"), "gossip.", problems);
    io.fedmesh.node.gossip.SwimParameters lan = io.fedmesh.node.gossip.SwimParameters.lan();
    io.fedmesh.node.gossip.SwimParameters gossip = lan;
    try {
      long interval = g.containsKey("probe_interval_ms") ? Long.parseLong(String.valueOf(g.get("probe_interval_ms"))) : lan.probeIntervalMillis();
      long timeout = g.containsKey("probe_timeout_ms") ? Long.parseLong(String.valueOf(g.get("probe_timeout_ms"))) : interval / 2;
      gossip = new io.fedmesh.node.gossip.SwimParameters(interval, timeout, lan.indirectChecks(), lan.suspicionMult(),
          lan.suspicionMaxTimeoutMult(), lan.retransmitMult(), lan.maxPiggyback(), Math.max(interval, 10 * interval),
          g.containsKey("relay_grace_ms") ? Long.parseLong(String.valueOf(g.get("relay_grace_ms"))) : lan.relayGraceMillis());
    } catch (IllegalArgumentException e) {
      problems.add("gossip: " + e.getMessage());
    }
    boolean reachable = true;
    Object r = top.get("reachable");
    if (r != null && !(r instanceof Boolean)) {
      problems.add("reachable: expected true or false, got '" + r + "'");
    } else if (r != null) {
      reachable = (Boolean) r;
    }
    if (!reachable && seeds.isEmpty()) {
      problems.add("reachable: false needs seeds: the reachable nodes this node may relay through, in order of preference");
    }
    Map<String, Object> rl = top.containsKey("relay") ? map(top.get("relay"), "relay", problems) : Map.of();
    unknownKeys(rl, Set.of("reconnect_base_ms", "reconnect_max_ms", "stall_timeout_ms"), "relay.", problems);
    Relay relay = Relay.defaults();
    try {
      relay = new Relay(rl.containsKey("reconnect_base_ms") ? Long.parseLong(String.valueOf(rl.get("reconnect_base_ms"))) : relay.reconnectBaseMillis(),
          rl.containsKey("reconnect_max_ms") ? Long.parseLong(String.valueOf(rl.get("reconnect_max_ms"))) : relay.reconnectMaxMillis(),
          rl.containsKey("stall_timeout_ms") ? Long.parseLong(String.valueOf(rl.get("stall_timeout_ms"))) : relay.stallTimeoutMillis());
      if (relay.stallTimeoutMillis() < 100 || relay.stallTimeoutMillis() > 3_600_000) {
        problems.add("relay: need 100 <= stall_timeout_ms <= 3600000");
      }
      if (relay.reconnectBaseMillis() < 1 || relay.reconnectMaxMillis() < relay.reconnectBaseMillis()
          || relay.reconnectMaxMillis() > 3_600_000) {
        problems.add("relay: need 1 <= reconnect_base_ms <= reconnect_max_ms <= 3600000");
      } else if (gossip.relayGraceMillis() < relay.reconnectMaxMillis()) {
        // Otherwise a node could be suspected while it is still waiting to redial, as designed.
        problems.add("gossip.relay_grace_ms (" + gossip.relayGraceMillis() + ") must be at least relay.reconnect_max_ms ("
            + relay.reconnectMaxMillis() + ")");
      }
    } catch (NumberFormatException e) {
      problems.add("relay: reconnect_base_ms, reconnect_max_ms and stall_timeout_ms are whole milliseconds");
    }
    Limits limits = Limits.parse(top.containsKey("limits") ? map(top.get("limits"), "limits", problems) : Map.of(), problems);
    Map<String, ParticipantSettings> participant = ParticipantSection.parse(Section.of(top.get("participant"), "participant",
        problems), federations, withRounds, rounds, base, problems);
    Optional<Raft> raft = raft(top.get("raft"), advertise, problems);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(file, problems);
    }
    return new NodeConfig(dataDir, listen, metrics, material, federations, advertise, seeds, gossip, reachable, relay, limits,
        rounds, participant, raft, health);
  }

  private static Optional<Raft> raft(Object value, String advertiseHost, List<String> problems) {
    if (value == null) {
      return Optional.empty();
    }
    Section s = Section.of(value, "raft", problems).known(Set.of("listen", "advertise", "election_timeout_ms", "snapshot_every"));
    s.require("listen");
    InetSocketAddress listen = address(s.raw("listen"), "raft.listen", "0.0.0.0:" + (DEFAULT_PORT + 1), problems);
    if (listen != null && listen.getPort() == 0) {
      problems.add("raft.listen: the Raft port must be fixed (peers store it in the group's configuration); 0 is not allowed");
    }
    String host = advertiseHost != null ? advertiseHost : listen == null || listen.getHostString().equals("0.0.0.0")
        ? "127.0.0.1" : listen.getHostString();
    String advertise = s.text("advertise", listen == null ? "" : host + ":" + listen.getPort());
    Section t = s.section("election_timeout_ms").known(Set.of("min", "max"));
    long min = t.whole("min", 1000, 50, 60_000);
    long max = t.whole("max", 2000, 50, 120_000);
    if (max < min) {
      problems.add("raft.election_timeout_ms: max (" + max + ") must be at least min (" + min + ")");
    }
    long every = s.whole("snapshot_every", 1000, 10, 10_000_000);
    return listen == null ? Optional.empty() : Optional.of(new Raft(listen, advertise, min, max, every));
  }

  /** How long a revocation list past its next update stays in force: whole hours, 0 to 720 (30 days). */
  private static java.time.Duration crlGrace(Object value, List<String> problems) {
    if (value == null) {
      return io.fedmesh.node.security.PeerAuthenticator.DEFAULT_GRACE;
    }
    if (!(value instanceof Integer hours) || hours < 0 || hours > 720) {
      problems.add("tls.crl_grace_hours: whole hours from 0 to 720, got " + value);
      return io.fedmesh.node.security.PeerAuthenticator.DEFAULT_GRACE;
    }
    return java.time.Duration.ofHours(hours);
  }

  /** The roles {@code node} has in {@code federation}: empty if it is not a member or the federation is unknown. */
  public Set<Role> roles(String federation, NodeId node) {
    Map<NodeId, Set<Role>> members = federations.get(federation);
    return members == null ? Set.of() : members.getOrDefault(node, Set.of());
  }

  private static Set<Role> roles(Object value, String at, List<String> problems) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    if (!(value instanceof List<?> list) || list.isEmpty()) {
      problems.add(at + ": a list of roles (participant, coordinator-eligible, admin)");
      return roles;
    }
    for (Object r : list) {
      String name = String.valueOf(r).toUpperCase(Locale.ROOT).replace('-', '_');
      try {
        Role role = Role.valueOf("ROLE_" + name);
        if (role == Role.ROLE_UNSPECIFIED) {
          throw new IllegalArgumentException();
        }
        roles.add(role);
      } catch (IllegalArgumentException e) {
        problems.add(at + ": '" + r + "' is not a role (participant, coordinator-eligible, admin)");
      }
    }
    return roles;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String where, List<String> problems) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      ((Map<Object, Object>) m).forEach((k, v) -> out.put(String.valueOf(k), v));
      return out;
    }
    problems.add(where + ": expected a mapping (key: value lines), got " + describe(value));
    return Map.of();
  }

  private static String string(Object value, String where, String otherwise, List<String> problems) {
    if (value == null) {
      return otherwise;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      problems.add(where + ": expected a path, got " + describe(value));
      return otherwise;
    }
    return s;
  }

  private static InetSocketAddress address(Object value, String where, String otherwise, List<String> problems) {
    String text = value == null ? otherwise : String.valueOf(value);
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      problems.add(where + ": expected HOST:PORT (for example 127.0.0.1:7400), got '" + text + "'");
      return new InetSocketAddress(0);
    }
    String host = text.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      problems.add(where + ": port must be 0-65535, got '" + text.substring(colon + 1) + "'");
      return new InetSocketAddress(0);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    // No DNS lookup at load time: an address literal or a name resolved when the server binds.
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static void unknownKeys(Map<String, Object> m, Set<String> known, String prefix, List<String> problems) {
    for (String key : m.keySet()) {
      if (!known.contains(key)) {
        problems.add(prefix + key + ": unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  private static String describe(Object value) {
    return value == null ? "nothing" : value instanceof List ? "a list" : value instanceof Map ? "a mapping" : "'" + value + "'";
  }
}
