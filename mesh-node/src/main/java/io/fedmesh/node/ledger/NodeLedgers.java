package io.fedmesh.node.ledger;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.raft.RaftGroups;
import io.fedmesh.node.raft.RaftPeerAddress;
import io.fedmesh.node.round.NodeRounds;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LeaderAnnounced;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The federation ledgers this node holds: one Raft group per federation in which it is
 * coordinator-eligible, all in one Ratis server. It signs the acts the node authors (a leader's
 * announcement, its rounds), reacts to what commits (becomes or stops being the coordinator, fetches
 * each committed model), and answers what the Ledger service and the round driver ask.
 *
 * <p>Leadership: when Raft makes this node leader of a group, it announces itself in the ledger (an
 * act of that term, which aborts any round the previous coordinator left open) and takes the
 * coordinator role only once that announcement commits; when another node leads, it gives the role up.
 */
public final class NodeLedgers implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeLedgers.class.getName());
  /** Pause between attempts to announce leadership while the group settles. */
  static final long RETRY_MILLIS = 200;
  /** How long a new coordinator waits for the abort of the round its predecessor left open. */
  static final long ABORT_SECONDS = 20;

  private final NodeId self;
  private final SigningKey key;
  private final NodeFederations directory;
  private final Clock clock;
  private final Map<String, LedgerMachine> machines = new ConcurrentHashMap<>();
  private final ExecutorService reactions = Executors.newSingleThreadExecutor(daemon("fedmesh-ledger"));
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("fedmesh-ledger-timer"));
  private final LedgerMetrics metrics;
  private RaftGroups raft;
  private NodeRounds rounds;
  private ModelReplicator models;
  private Function<NodeId, Optional<Peer>> peers = node -> Optional.empty();
  private io.fedmesh.node.transport.ChannelPool channels;
  private LedgerFollowers followers;

  /** Where another node is: its gRPC address (for the Ledger and Admin services), from gossip. */
  public record Peer(NodeId id, String address) {}

  public NodeLedgers(NodeId self, SigningKey key, NodeFederations directory, Clock clock, LedgerMetrics metrics) {
    this.self = self;
    this.key = key;
    this.directory = directory;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** The state machine Raft asks for when it opens {@code federation}'s group (on join or restart). */
  public io.fedmesh.node.raft.ReplicatedMachine replicatedMachine(String federation) {
    return machine(federation);
  }

  LedgerMachine machine(String federation) {
    return machines.computeIfAbsent(federation, f -> {
      LedgerMachine m = new LedgerMachine(f, record -> reactions.execute(() -> applied(f, record)));
      directory.attach(f, m);
      metrics.privacy(f, () -> m.read(l -> io.fedmesh.coordinator.ledger.PrivacyCharges.epsilonSpent(l.spent(), l.budget().getDelta())),
          () -> m.read(l -> l.budget().getEpsilon()));
      return m;
    });
  }

  /**
   * Starts serving: {@code raft} hosts the groups ({@link #machine} makes their state machines),
   * {@code rounds} runs elected coordinators, {@code models} keeps committed models in the store.
   */
  public void start(RaftGroups raft, NodeRounds rounds, ModelReplicator models, Function<NodeId, Optional<Peer>> peers,
      io.fedmesh.node.transport.ChannelPool channels) throws IOException {
    this.channels = channels;
    this.raft = raft;
    this.rounds = rounds;
    this.models = models;
    this.peers = peers;
    raft.onLeaderChange((federation, leader, term) -> reactions.execute(() -> leaderChanged(federation, leader, term)));
    raft.onRefusal(metrics::raftRefused);
    raft.start();
    for (String federation : raft.federations()) {
      machine(federation);
    }
  }

  public NodeId self() {
    return self;
  }

  public Optional<RaftGroups> raft() {
    return Optional.ofNullable(raft);
  }

  /** Whether this node holds {@code federation}'s ledger. */
  public boolean holds(String federation) {
    return raft != null && raft.federations().contains(federation);
  }

  /** Reads {@code federation}'s ledger as applied here, or empty if this node holds none. */
  public <T> Optional<T> read(String federation, Function<FederationLedger, T> reader) {
    LedgerMachine m = holds(federation) ? machines.get(federation) : null;
    return m == null ? Optional.empty() : Optional.ofNullable(m.read(reader));
  }

  /** Commits {@code act} through {@code federation}'s group; completes with the ledger's reply. */
  public CompletableFuture<LedgerReply> submit(String federation, LedgerAct act) {
    if (!holds(federation)) {
      return CompletableFuture.failedFuture(new IllegalStateException("this node holds no ledger of federation '" + federation + "'"));
    }
    return raft.submit(federation, act.toByteArray()).thenApply(bytes -> {
      try {
        LedgerReply reply = LedgerReply.parseFrom(bytes);
        metrics.act(federation, act.getBodyCase().name().toLowerCase(java.util.Locale.ROOT), reply.getAccepted());
        return reply;
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("the ledger's reply does not parse", e);
      }
    });
  }

  /** An act of this node's, of {@code term}, with the chain head as this node sees it, signed. */
  LedgerAct sign(String federation, long term, LedgerAct.Builder body) {
    long seen = read(federation, FederationLedger::headSequence).orElse(0L);
    ByteString seenHash = seen == 0 ? ByteString.EMPTY : read(federation, l -> l.hashOf(seen)).orElseThrow();
    return LedgerActs.sign(body.setFederation(FederationId.newBuilder().setName(federation)).setTerm(term)
        .setTimeMillis(clock.millis()).setSeenSequence(seen).setSeenHash(seenHash), key);
  }

  /**
   * Hosts {@code federation}'s group with the coordinators a checked genesis names.
   *
   * @throws IOException if Ratis cannot open the group
   */
  void host(String federation, List<LedgerMember> members) throws IOException {
    List<RaftPeerAddress> group = new ArrayList<>();
    for (LedgerMember m : members) {
      if (m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        group.add(new RaftPeerAddress(NodeId.ofBytes(m.getNode().getSha256().toByteArray()), parse(m.getRaftAddress())));
      }
    }
    machine(federation);
    raft.join(federation, group);
  }

  static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return InetSocketAddress.createUnresolved(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  Optional<Peer> peer(NodeId node) {
    return peers.apply(node);
  }

  io.grpc.ManagedChannel channel(String address) {
    return channels.channel(address);
  }

  SigningKey key() {
    return key;
  }

  // ---- reactions, on the ledger thread ----

  private void leaderChanged(String federation, NodeId leader, long term) {
    metrics.leaderChanged(federation, leader.equals(self), term);
    if (!leader.equals(self)) {
      if (rounds != null && rounds.coordinates(federation)) {
        rounds.coordinatorRole(federation, false, "node " + leader.shortForm() + " leads term " + term + " of the ledger group");
      }
      return;
    }
    announce(federation, term, 0);
  }

  /** Announces this node as coordinator of {@code term}, retrying while it still leads that term. */
  private void announce(String federation, long term, int attempt) {
    if (raft == null || !raft.isLeader(federation) || raft.term(federation) != term) {
      return;
    }
    boolean genesis = read(federation, FederationLedger::hasGenesis).orElse(false);
    if (!genesis) {
      // Nothing to coordinate before the genesis commits: it is applied first, then we come back here.
      timer.schedule(() -> reactions.execute(() -> announce(federation, term, attempt + 1)), RETRY_MILLIS * 2, TimeUnit.MILLISECONDS);
      return;
    }
    if (read(federation, l -> l.term() >= term).orElse(false)) {
      return; // already announced (a replayed log, or a retry that raced)
    }
    submit(federation, sign(federation, term, LedgerAct.newBuilder().setLeader(LeaderAnnounced.getDefaultInstance())))
        .whenComplete((reply, failure) -> {
          if (failure != null || !reply.getAccepted()) {
            String why = failure != null ? String.valueOf(failure.getMessage()) : reply.getReason();
            LOG.fine(() -> federation + ": announcing term " + term + " failed (" + why + "), attempt " + attempt);
            if (attempt < 50) {
              timer.schedule(() -> reactions.execute(() -> announce(federation, term, attempt + 1)), RETRY_MILLIS,
                  TimeUnit.MILLISECONDS);
            }
          }
        });
  }

  private void applied(String federation, LedgerRecord record) {
    LedgerAct act = record.getAct();
    NodeId author = NodeId.ofBytes(act.getAuthor().getSha256().toByteArray());
    switch (act.getBodyCase()) {
      case LEADER -> {
        boolean mine = author.equals(self) && raft != null && raft.isLeader(federation) && raft.term(federation) == record.getRaftTerm();
        if (mine) {
          takeRole(federation);
        } else if (rounds != null && rounds.coordinates(federation)) {
          rounds.coordinatorRole(federation, false, "node " + author.shortForm() + " coordinates from term " + record.getRaftTerm());
        }
      }
      case ROUND_COMMITTED -> {
        if (!author.equals(self) && models != null) {
          models.fetch(federation, act.getRoundCommitted().getModel(), author);
        }
      }
      default -> { }
    }
  }

  private void takeRole(String federation) {
    if (rounds == null) {
      return;
    }
    try {
      rounds.electedCoordinator(federation, new LedgerRounds(this, federation, raft.term(federation), rounds.settings(federation)));
    } catch (IllegalArgumentException e) {
      LOG.warning(federation + ": this node leads the ledger group but cannot coordinate: " + e.getMessage());
      return;
    }
    long term = raft.term(federation);
    Optional<io.fedmesh.coordinator.ledger.OpenRound> left = read(federation, FederationLedger::openRound).flatMap(r -> r);
    if (left.isPresent() && left.get().term() < term) {
      // The previous coordinator's round can no longer finish (fenced): end it on the record first.
      String reason = "coordinator changed to " + self.shortForm() + " in term " + term + " before the round committed";
      LedgerReply reply;
      try {
        reply = submit(federation, sign(federation, term, LedgerAct.newBuilder().setRoundAborted(
            io.fedmesh.proto.v1.RoundAborted.newBuilder().setRound(left.get().round()).setReason(reason))))
            .get(NodeLedgers.ABORT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        reply = LedgerReply.newBuilder().setReason(String.valueOf(e.getMessage())).build();
      }
      if (!reply.getAccepted()) {
        LOG.warning(federation + ": could not abort round " + left.get().round() + " left open by term " + left.get().term()
            + ": " + reply.getReason() + "; not coordinating");
        return;
      }
      LOG.info(federation + ": round " + left.get().round() + " aborted: " + reason);
    }
    long wanted = read(federation, FederationLedger::roundsWanted).orElse(0L);
    Optional<io.fedmesh.proto.v1.ModelVersion> last = read(federation, FederationLedger::lastModel).flatMap(m -> m);
    Runnable go = () -> {
      rounds.coordinatorRole(federation, true, "");
      if (wanted > 0) {
        LOG.info(federation + ": coordinator from term " + raft.term(federation) + "; running the " + wanted
            + " round(s) still wanted");
        try {
          rounds.start(federation, (int) Math.min(wanted, 100_000));
        } catch (RuntimeException e) {
          LOG.warning(federation + ": cannot resume rounds: " + e.getMessage());
        }
      }
    };
    if (last.isPresent() && models != null) {
      // A new coordinator trains from the last committed model: make sure it is here first.
      models.ensure(federation, last.get()).whenComplete((ok, failure) -> reactions.execute(go));
    } else {
      go.run();
    }
  }

  /**
   * Follows {@code federation}'s ledger without a replica (this node is a participant there, not
   * coordinator-eligible): polls a coordinator-eligible node every {@code every} and keeps a verified
   * copy that the directory reads membership from. A federation not created yet is polled until it is.
   */
  public synchronized void follow(String federation, java.util.function.Function<NodeId, Optional<String>> addresses,
                                  io.fedmesh.node.transport.ChannelPool pool, java.time.Duration every) {
    if (followers == null) {
      followers = new LedgerFollowers(directory, addresses, pool, metrics);
    }
    followers.follow(federation, every);
  }

  @Override
  public void close() {
    if (followers != null) {
      followers.close();
    }
    reactions.shutdownNow();
    timer.shutdownNow();
    if (raft != null) {
      raft.close();
    }
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
