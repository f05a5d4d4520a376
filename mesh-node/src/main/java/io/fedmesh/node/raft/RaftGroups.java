package io.fedmesh.node.raft;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * One Ratis server per node, hosting one Raft group per federation, over gRPC with mutual TLS using the
 * node's own key and certificate against the consortium CA (server, client and admin traffic share the
 * one port). A group's id is derived from its federation's name and a peer's Raft id is its node id, so
 * every node names them alike.
 *
 * <p>Durability: Ratis keeps each group's log and configuration under {@code storageDir/ratis}; this
 * class keeps which federation each group is, atomically written, so a restarted node re-opens its groups
 * ({@link RaftStorage.StartupOption#RECOVER}) with their machines and state. Snapshots are taken every
 * {@link RaftSettings#snapshotEveryEntries()} entries and the log is purged up to them; a follower that
 * is behind the purged log is sent the leader's snapshot file (Ratis's install-snapshot, file-based with
 * the single-file snapshot storage of {@link MachineAdapter}) and restores the machine from it.
 */
public final class RaftGroups implements AutoCloseable {
  private static final String NAMES = "groups.properties";

  private final NodeId self;
  private final RaftPeerId selfId;
  private final InetSocketAddress listen;
  private final Path storageDir;
  private final RaftSettings settings;
  private final Function<String, ReplicatedMachine> machines;
  private final RaftProperties properties = new RaftProperties();
  private final Parameters parameters = new Parameters();
  private final Map<RaftGroupId, String> names = new ConcurrentHashMap<>();
  private final Map<String, MachineAdapter> adapters = new ConcurrentHashMap<>();
  private final Map<String, RaftClient> clients = new ConcurrentHashMap<>();
  private final List<LeaderListener> listeners = new CopyOnWriteArrayList<>();
  private final ClientId clientId = ClientId.randomId();
  private volatile java.util.function.Consumer<String> refusals = reason -> { };
  private final AtomicLong callId = new AtomicLong();
  private volatile RaftServer server;

  /** Told when this server sees a new leader in a group (on a Ratis thread: do not block). */
  public interface LeaderListener {
    void leaderChanged(String federation, NodeId leader, long term);
  }

  /**
   * @param listen the Raft port: fixed and non-zero (peers keep it in the group's configuration)
   * @param machines makes the state machine of a federation's group when it is opened
   */
  public RaftGroups(NodeId self, InetSocketAddress listen, Path storageDir, Path key, Path certificate, Path ca,
                    RaftSettings settings, Function<String, ReplicatedMachine> machines) throws IOException {
    this(self, listen, storageDir, key, certificate, ca, settings, machines, null);
  }

  /**
   * @param peers the node ids that may speak Raft with this node at all (checked in every TLS handshake,
   *     both ways); null: any holder of a certificate from the CA (tests of the glue alone)
   */
  public RaftGroups(NodeId self, InetSocketAddress listen, Path storageDir, Path key, Path certificate, Path ca,
                    RaftSettings settings, Function<String, ReplicatedMachine> machines,
                    java.util.function.Supplier<Set<NodeId>> peers) throws IOException {
    if (listen.getPort() == 0) {
      throw new IllegalArgumentException("the Raft port must be fixed, not 0: peers store it in the group's configuration");
    }
    this.self = self;
    this.selfId = RaftPeerId.valueOf(self.hex());
    this.listen = listen;
    this.storageDir = storageDir;
    this.settings = settings;
    this.machines = machines;
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(properties, listen.getHostString());
    GrpcConfigKeys.Server.setPort(properties, listen.getPort());
    RaftServerConfigKeys.setStorageDir(properties, List.of(storageDir.resolve("ratis").toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, millis(settings.electionTimeoutMin().toMillis()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, millis(settings.electionTimeoutMax().toMillis()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(properties, millis(settings.requestTimeout().toMillis()));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.snapshotEveryEntries())));
    // A lagging follower gets the leader's snapshot file, not an ever-longer log.
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(properties, true);
    GrpcConfigKeys.TLS.setConf(parameters, peers == null
        ? new GrpcTlsConfig(key.toFile(), certificate.toFile(), ca.toFile(), true)
        : new GrpcTlsConfig(RaftPeerTrust.keys(key, certificate), RaftPeerTrust.trusting(ca, () -> {
          Set<NodeId> allowed = new TreeSet<>(peers.get());
          allowed.add(self);
          return allowed;
        }), true));
    // Every request is also checked against the group it names (RaftCallGuard): TLS alone admits peers
    // of other federations hosted on this port.
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, types) -> builder.intercept(
        new RaftCallGuard(this::isPeer, reason -> refusals.accept(reason))));
  }

  /** Told, with a short reason, of each request the Raft port refused (for a metric). */
  public void onRefusal(java.util.function.Consumer<String> listener) {
    this.refusals = listener;
  }

  /** Checked for every Raft message: a lookup in the group's configuration, nothing copied. */
  private boolean isPeer(RaftGroupId id, String node) {
    RaftServer s = server;
    if (s == null || !names.containsKey(id)) {
      return false;
    }
    try {
      return s.getDivision(id).getGroup().getPeer(RaftPeerId.valueOf(node)) != null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static TimeDuration millis(long ms) {
    return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
  }

  /** Starts the server and re-opens every group found in the storage directory. */
  public void start() throws IOException {
    Files.createDirectories(storageDir.resolve("ratis"));
    names.putAll(readNames());
    server = RaftServer.newBuilder()
        .setServerId(selfId)
        .setProperties(properties)
        .setParameters(parameters)
        .setStateMachineRegistry(groupId -> {
          String federation = names.get(groupId);
          if (federation == null) {
            throw new IllegalStateException("Raft group " + groupId + " in " + storageDir + " belongs to no known federation");
          }
          MachineAdapter adapter = new MachineAdapter(federation, machines.apply(federation), this::leaderChanged);
          adapters.put(federation, adapter);
          return adapter;
        })
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    server.start();
  }

  /** The address peers dial. */
  public InetSocketAddress address() {
    return listen;
  }

  /** The group id of {@code federation}: the first 16 bytes of a SHA-256 of its name. */
  public static RaftGroupId groupId(String federation) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("fedmesh/raft-group/" + federation).getBytes(StandardCharsets.UTF_8));
      long hi = 0;
      long lo = 0;
      for (int i = 0; i < 8; i++) {
        hi = hi << 8 | (h[i] & 0xff);
        lo = lo << 8 | (h[8 + i] & 0xff);
      }
      return RaftGroupId.valueOf(new UUID(hi, lo));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Hosts {@code federation}'s group on this server (idempotent); {@code peers} includes this node. */
  public synchronized void join(String federation, List<RaftPeerAddress> peers) throws IOException {
    RaftGroupId id = groupId(federation);
    if (hosts(id)) {
      return;
    }
    if (peers.stream().noneMatch(p -> p.node().equals(self))) {
      throw new IllegalArgumentException("the group of '" + federation + "' does not include this node");
    }
    RaftGroup group = RaftGroup.valueOf(id, peers.stream().map(p -> RaftPeer.newBuilder().setId(p.node().hex())
        .setAddress(p.address().getHostString() + ":" + p.address().getPort()).build()).toList());
    names.put(id, federation);
    writeNames();
    RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(clientId, selfId, callId.incrementAndGet(), group));
    if (!reply.isSuccess()) {
      throw new IOException("Ratis did not add the group of '" + federation + "': " + reply.getException());
    }
  }

  private boolean hosts(RaftGroupId id) {
    for (RaftGroupId g : server.getGroupIds()) {
      if (g.equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** Federations whose group this server hosts. */
  public Set<String> federations() {
    Set<String> out = new TreeSet<>();
    if (server != null) {
      for (RaftGroupId g : server.getGroupIds()) {
        String name = names.get(g);
        if (name != null) {
          out.add(name);
        }
      }
    }
    return out;
  }

  /**
   * Submits an entry to the group's leader; completes with the machine's reply once it is committed and
   * applied, or exceptionally when no leader takes it within the request timeout and retries.
   */
  public CompletableFuture<byte[]> submit(String federation, byte[] entry) {
    RaftClient client;
    try {
      client = client(federation);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return client.async().send(Message.valueOf(ByteString.copyFrom(entry))).thenApply(reply -> {
      if (!reply.isSuccess()) {
        throw new java.util.concurrent.CompletionException(reply.getException());
      }
      return reply.getMessage().getContent().toByteArray();
    });
  }

  /** A read-only query answered by the leader's machine. */
  public CompletableFuture<byte[]> query(String federation, byte[] request) {
    try {
      return client(federation).async().sendReadOnly(Message.valueOf(ByteString.copyFrom(request)))
          .thenApply(reply -> reply.getMessage().getContent().toByteArray());
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A read-only query answered by this node's machine, as applied so far. */
  public byte[] queryLocal(String federation, byte[] request) {
    return adapter(federation).machine().query(request);
  }

  private synchronized RaftClient client(String federation) throws IOException {
    RaftClient existing = clients.get(federation);
    if (existing != null) {
      return existing;
    }
    RaftGroup group = server.getDivision(groupId(federation)).getGroup();
    RaftClient client = RaftClient.newBuilder()
        .setProperties(properties)
        .setParameters(parameters)
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setLeaderId(leaderId(federation).orElse(null))
        // Bounded (5 to 20 s): a loaded machine's election can take several timeouts; beyond that the caller hears of it.
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.min(100, Math.max(25, 3 * settings.requestTimeout().toMillis() / 200)), millis(200)))
        .build();
    clients.put(federation, client);
    return client;
  }

  private MachineAdapter adapter(String federation) {
    MachineAdapter a = adapters.get(federation);
    if (a == null) {
      throw new IllegalArgumentException("this node hosts no Raft group of federation '" + federation + "'");
    }
    return a;
  }

  private Optional<RaftPeerId> leaderId(String federation) {
    try {
      return Optional.ofNullable(server.getDivision(groupId(federation)).getInfo().getLeaderId());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public boolean isLeader(String federation) {
    try {
      return server.getDivision(groupId(federation)).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  public Optional<NodeId> leader(String federation) {
    return leaderId(federation).map(id -> NodeId.ofHex(id.toString()));
  }

  public long term(String federation) {
    try {
      return server.getDivision(groupId(federation)).getInfo().getCurrentTerm();
    } catch (IOException e) {
      return 0;
    }
  }

  public long appliedIndex(String federation) {
    try {
      return server.getDivision(groupId(federation)).getInfo().getLastAppliedIndex();
    } catch (IOException e) {
      return -1;
    }
  }

  public void onLeaderChange(LeaderListener listener) {
    listeners.add(listener);
  }

  private void leaderChanged(String federation, RaftPeerId leader) {
    if (leader == null) {
      return;
    }
    // The cached client still points at the old leader (maybe dead): its next request would go there
    // first and wait out a retry. Later requests use a client that starts at the new leader; the old one
    // is closed once whatever it still has in flight has had its time.
    RaftClient stale = clients.remove(federation);
    if (stale != null) {
      CompletableFuture.delayedExecutor(2 * settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
        try {
          stale.close();
        } catch (IOException | RuntimeException e) {
          // closing a client that is done: nothing to keep
        }
      });
    }
    long term = term(federation);
    NodeId node;
    try {
      node = NodeId.ofHex(leader.toString());
    } catch (RuntimeException e) {
      return;
    }
    for (LeaderListener l : listeners) {
      l.leaderChanged(federation, node, term);
    }
  }

  /** Takes a snapshot of {@code federation}'s machine now; the index it covers. */
  public long takeSnapshot(String federation) throws IOException {
    RaftClientReply reply = server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId, selfId, groupId(federation),
        callId.incrementAndGet(), 30_000));
    if (!reply.isSuccess()) {
      throw new IOException("snapshot of '" + federation + "' failed: " + reply.getException());
    }
    return reply.getLogIndex();
  }

  private Map<RaftGroupId, String> readNames() throws IOException {
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(storageDir.resolve(NAMES))));
    } catch (NoSuchFileException e) {
      return Map.of();
    }
    Map<RaftGroupId, String> out = new ConcurrentHashMap<>();
    for (String federation : p.stringPropertyNames()) {
      out.put(groupId(federation), federation);
    }
    return out;
  }

  private void writeNames() throws IOException {
    StringBuilder out = new StringBuilder("# federation = its Raft group id (fedmesh; do not edit)\n");
    new TreeSet<>(names.values()).forEach(f -> out.append(f).append(" = ").append(groupId(f).getUuid()).append('\n'));
    Files.createDirectories(storageDir);
    AtomicFiles.writeString(storageDir.resolve(NAMES), out.toString());
  }

  @Override
  public void close() {
    clients.values().forEach(c -> {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        // closing: nothing more to do
      }
    });
    if (server != null) {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        // closing: nothing more to do
      }
    }
  }
}
