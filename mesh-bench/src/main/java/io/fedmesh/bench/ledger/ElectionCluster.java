package io.fedmesh.bench.ledger;

import io.fedmesh.bench.node.BenchPki;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.demo.NodeProcesses;
import io.fedmesh.node.server.PeerChannels;
import io.fedmesh.proto.v1.ExportAuditRequest;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerRequest;
import io.fedmesh.proto.v1.PrepareGenesisRequest;
import io.fedmesh.proto.v1.Role;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Three coordinator-eligible nodes of federation {@value #FEDERATION}, each its own node process on
 * 127.0.0.1 (mutual TLS, a throw-away CA), with fixed gRPC and Raft ports so that a killed node restarts
 * where its peers expect it, from the same config and data directory. This JVM calls their Ledger service
 * with node 1's identity (an admin and member, so {@code Head} is allowed on every node); node 1 also signs
 * the genesis, as {@code fedmesh federation create} would.
 */
final class ElectionCluster implements AutoCloseable {
  static final String FEDERATION = "bench-ledger";
  static final int NODES = 3;
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final int HEAP_MB = 384;

  /** A node as configured: its config file and fixed ports. */
  record Node(int index, String name, NodeId id, Path config, int grpcPort, int raftPort) {
    String target() {
      return "127.0.0.1:" + grpcPort;
    }
  }

  final Path dir;
  final Path logs;
  final List<Node> nodes = new ArrayList<>();
  private final NodeProcesses processes = new NodeProcesses();
  private final NodeProcesses.Started[] running = new NodeProcesses.Started[NODES];
  private final ManagedChannel[] channels = new ManagedChannel[NODES];
  private final int[] starts = new int[NODES];
  private final NodeConfig caller;
  private final SigningKey callerKey;

  /** Writes the CA, the three identities and their configs into {@code dir}; starts nothing. */
  ElectionCluster(Path dir, long electionMinMillis, long electionMaxMillis) throws IOException {
    this.dir = dir;
    this.logs = dir.resolve("logs");
    BenchPki pki = new BenchPki(dir);
    List<NodeId> ids = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      ids.add(pki.node(name(i)).verifyingKey().nodeId());
    }
    int[] ports = freePorts(2 * NODES);
    StringBuilder federation = new StringBuilder("federations:\n  " + FEDERATION + ":\n    members:\n");
    for (NodeId id : ids) {
      federation.append("      ").append(id.hex()).append(": [coordinator-eligible, admin]\n");
    }
    for (int i = 0; i < NODES; i++) {
      List<String> seeds = new ArrayList<>();
      for (int j = 0; j < NODES; j++) {
        if (j != i) {
          seeds.add(ids.get(j).hex() + "@127.0.0.1:" + ports[j]);
        }
      }
      String yaml = "data_dir: " + name(i) + "\n"
          + "listen: 127.0.0.1:" + ports[i] + "\n"
          + "metrics_listen: 127.0.0.1:0\n"
          + "tls: {ca: ../ca.crt, crl: ../crl.pem}\n"
          + "seeds: [" + String.join(", ", seeds) + "]\n"
          + "raft: {listen: 127.0.0.1:" + ports[NODES + i] + ", election_timeout_ms: {min: " + electionMinMillis + ", max: "
          + electionMaxMillis + "}}\n"
          + federation;
      Path config = Files.writeString(dir.resolve(name(i) + ".yaml"), yaml);
      nodes.add(new Node(i, name(i), ids.get(i), config, ports[i], ports[NODES + i]));
    }
    caller = load(nodes.get(0).config());
    try {
      callerKey = Pem.readPrivateKey(Files.readString(caller.tls().key()));
    } catch (CryptoException e) {
      throw new IOException(caller.tls().key() + ": " + e.getMessage(), e);
    }
  }

  static String name(int i) {
    return "node-" + (i + 1);
  }

  /** Distinct free ports: each bound to port 0 at once (so no two are the same) and closed. */
  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  private static NodeConfig load(Path file) throws IOException {
    try {
      return NodeConfig.load(file);
    } catch (NodeConfig.InvalidConfigException e) {
      throw new IOException(file + ": " + e.problems(), e);
    }
  }

  /** Starts every node process, all at once, and waits for their start lines. */
  void startAll() throws Exception {
    ExecutorService starter = Executors.newFixedThreadPool(NODES);
    try {
      List<CompletableFuture<Void>> starting = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        int node = i;
        starting.add(CompletableFuture.runAsync(() -> {
          try {
            start(node);
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        }, starter));
      }
      for (CompletableFuture<Void> s : starting) {
        s.join();
      }
    } catch (CompletionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } finally {
      starter.shutdownNow();
    }
  }

  /**
   * Starts node {@code i} (again: same config, same data directory, same ports) and waits for its start
   * line; each start has its own log ({@code node-2.log}, then {@code node-2-restart-1.log}, ...).
   */
  NodeProcesses.Started start(int i) throws IOException, InterruptedException {
    int n;
    synchronized (starts) {
      n = starts[i]++;
    }
    String log = n == 0 ? name(i) : name(i) + "-restart-" + n;
    NodeProcesses.Started s = processes.start(log, List.of("io.fedmesh.node.cli.FedmeshMain", "node", "--config",
        nodes.get(i).config().toString()), logs, HEAP_MB, START_TIMEOUT);
    ManagedChannel old;
    synchronized (channels) {
      old = channels[i];
      running[i] = s;
      // A fresh channel: the old one may sit in its reconnect back-off from while the node was down.
      channels[i] = PeerChannels.open(caller, nodes.get(i).target());
    }
    if (old != null) {
      old.shutdownNow();
    }
    return s;
  }

  /** Kills node {@code i} with SIGKILL (no clean shutdown: its Raft peers only notice the silence). */
  void kill(int i) {
    running(i).process().destroyForcibly();
  }

  /** Waits until a killed node's process has exited. */
  void awaitExit(int i) throws InterruptedException {
    if (!running(i).process().waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name(i) + " did not exit within 30 s of SIGKILL");
    }
  }

  boolean alive(int i) {
    return running(i).process().isAlive();
  }

  Path log(int i) {
    return running(i).log();
  }

  private NodeProcesses.Started running(int i) {
    synchronized (channels) {
      return running[i];
    }
  }

  private LedgerGrpc.LedgerBlockingStub ledger(int i, long deadlineMillis) {
    ManagedChannel channel;
    synchronized (channels) {
      channel = channels[i];
    }
    return LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
  }

  /** Node {@code i}'s chain head, or empty if it does not answer in time (down, starting, no ledger yet). */
  Optional<LedgerHead> head(int i, long deadlineMillis) {
    try {
      return Optional.of(ledger(i, deadlineMillis).head(LedgerRequest.newBuilder().setFederation(federationId()).build()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The record at {@code sequence} as node {@code i} holds it (ExportAudit from there; node 1, the caller,
   * is an admin), or empty if it does not answer.
   */
  Optional<LedgerRecord> record(int i, long sequence) {
    try {
      java.util.Iterator<LedgerRecord> records = ledger(i, 5_000).exportAudit(ExportAuditRequest.newBuilder()
          .setFederation(federationId()).setFrom(sequence).build());
      Optional<LedgerRecord> found = Optional.empty();
      while (records.hasNext()) {
        LedgerRecord r = records.next();
        if (r.getSequence() == sequence) {
          found = Optional.of(r);
        }
      }
      return found;
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /** The index of the node with this id. */
  int index(NodeId id) {
    for (Node n : nodes) {
      if (n.id().equals(id)) {
        return n.index();
      }
    }
    throw new IllegalStateException("no node " + id.hex() + " in this cluster");
  }

  /**
   * Creates the federation as {@code fedmesh federation create} does, with node 1's identity: node 1
   * prepares the genesis (identity keys and Raft endpoints from gossip), this JVM checks that it names the
   * three nodes as coordinator-eligible admins, signs it with node 1's key and sends it to node 1, which has
   * the other two join the Raft group and commits it. Retried while gossip does not yet know every node.
   *
   * @return {@link System#nanoTime} when the CreateFederation call that succeeded was sent
   */
  long createFederation(Duration timeout, PrintWriter progress) throws Exception {
    Map<NodeId, Set<Role>> asked = new TreeMap<>();
    PrepareGenesisRequest.Builder request = PrepareGenesisRequest.newBuilder().setFederation(federationId());
    for (Node n : nodes) {
      asked.put(n.id(), EnumSet.of(Role.ROLE_COORDINATOR_ELIGIBLE, Role.ROLE_ADMIN));
      request.addCoordinators(proto(n.id())).addAdmins(proto(n.id()));
    }
    long end = System.nanoTime() + timeout.toNanos();
    StatusRuntimeException last = null;
    Set<String> reported = new HashSet<>();
    while (System.nanoTime() < end) {
      failIfDown();
      long sent;
      try {
        LedgerAct prepared = ledger(0, 10_000).prepareGenesis(request.build());
        Map<NodeId, Set<Role>> got = new TreeMap<>();
        for (LedgerMember m : prepared.getGenesis().getMembersList()) {
          got.put(NodeId.ofBytes(m.getNode().getSha256().toByteArray()), EnumSet.copyOf(m.getRolesList()));
        }
        if (!got.equals(asked) || !prepared.getFederation().getName().equals(FEDERATION)) {
          throw new IllegalStateException("node 1 prepared a genesis with other members or roles than asked: " + got);
        }
        LedgerAct signed = LedgerActs.sign(prepared.toBuilder().setTimeMillis(System.currentTimeMillis()), callerKey);
        sent = System.nanoTime();
        ledger(0, 60_000).createFederation(signed);
        return sent;
      } catch (StatusRuntimeException e) {
        last = e;
        if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
          // An earlier attempt got as far as hosting the group on node 1: its genesis may still commit.
          throw new IllegalStateException("node 1 holds the federation's ledger from an attempt that failed: " + describe(e));
        }
        if (reported.add(e.getStatus().getCode().name())) {
          progress.println("  federation not created yet (" + describe(e) + "); retrying");
          progress.flush();
        }
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("federation " + FEDERATION + " not created within " + timeout.toSeconds() + " s: "
        + (last == null ? "no attempt" : describe(last)) + " (logs in " + logs + ")");
  }

  static String describe(StatusRuntimeException e) {
    return e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription());
  }

  /** Fails, naming the node and its log, if a node that should be running has exited. */
  void failIfDown(int... except) {
    outer:
    for (int i = 0; i < NODES; i++) {
      for (int e : except) {
        if (e == i) {
          continue outer;
        }
      }
      if (!alive(i)) {
        throw new IllegalStateException(name(i) + " exited on its own (exit code " + running(i).process().exitValue() + "; see "
            + log(i) + ")");
      }
    }
  }

  static FederationId federationId() {
    return FederationId.newBuilder().setName(FEDERATION).build();
  }

  private static io.fedmesh.proto.v1.NodeId proto(NodeId id) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(com.google.protobuf.ByteString.copyFrom(id.toBytes())).build();
  }

  /** Closes the channels and stops every node process (SIGTERM, then SIGKILL after 10 s). */
  @Override
  public void close() {
    synchronized (channels) {
      for (ManagedChannel c : channels) {
        if (c != null) {
          c.shutdownNow();
        }
      }
    }
    processes.close();
  }
}
