package io.fedmesh.node.ledger;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.transport.ChannelPool;
import io.fedmesh.proto.v1.ExportAuditRequest;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.Role;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps a participant's {@link FollowedLedger}s current: every few seconds it asks one of the
 * federation's coordinator-eligible nodes (in turn) for the records after its head
 * ({@code Ledger.ExportAudit}) and appends them verified. Membership changes the admins commit reach
 * the participant this way, so its authorisation and round engine follow the ledger as the
 * coordinators' do, without the participant holding a Raft replica.
 */
final class LedgerFollowers implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LedgerFollowers.class.getName());
  /** Records taken from one answer: a long chain is fetched over several polls. */
  static final int MAX_RECORDS_PER_POLL = 10_000;

  private final Map<String, FollowedLedger> followed = new ConcurrentHashMap<>();
  private final Map<String, Integer> turn = new ConcurrentHashMap<>();
  private final NodeFederations directory;
  private final Function<NodeId, Optional<String>> addresses;
  private final ChannelPool channels;
  private final LedgerMetrics metrics;
  private final ScheduledExecutorService timer;

  /**
   * @param addresses where a node listens, as gossip last announced it
   */
  LedgerFollowers(NodeFederations directory, Function<NodeId, Optional<String>> addresses, ChannelPool channels, LedgerMetrics metrics) {
    this.directory = directory;
    this.addresses = addresses;
    this.channels = channels;
    this.metrics = metrics;
    // Its own thread: a poll may wait on a slow source for its deadline without delaying anything else.
    this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(NodeLedgers.daemon("fedmesh-ledger-follow"));
  }

  /** Follows {@code federation} (whose members the config states) from now on, polling every {@code every}. */
  void follow(String federation, Duration every) {
    Map<NodeId, java.util.Set<Role>> bootstrap = directory.bootstrap(federation);
    if (bootstrap == null || followed.containsKey(federation)) {
      return;
    }
    FollowedLedger ledger = new FollowedLedger(federation, bootstrap);
    followed.put(federation, ledger);
    directory.follow(federation, ledger);
    timer.scheduleWithFixedDelay(() -> poll(federation), 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One poll of {@code federation}: the first coordinator-eligible node (in turn) that answers. */
  void poll(String federation) {
    FollowedLedger ledger = followed.get(federation);
    List<NodeId> sources = new ArrayList<>();
    directory.members(federation).forEach((node, roles) -> {
      if (roles.contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        sources.add(node);
      }
    });
    if (ledger == null || sources.isEmpty()) {
      return;
    }
    int start = turn.merge(federation, 1, Integer::sum);
    for (int i = 0; i < sources.size(); i++) {
      NodeId source = sources.get(Math.floorMod(start + i, sources.size()));
      Optional<String> address = addresses.apply(source);
      if (address.isEmpty()) {
        continue;
      }
      try {
        fetch(federation, ledger, source, address.get());
        return;
      } catch (StatusRuntimeException e) {
        // Not created yet, this node no member, or the source unreachable: try the next one.
        metrics.followed(federation, e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION ? "no_ledger" : "unreachable");
      } catch (RuntimeException e) {
        metrics.followed(federation, "failed");
        LOG.log(Level.WARNING, federation + ": following the ledger through " + source.shortForm() + " failed", e);
      }
    }
  }

  private void fetch(String federation, FollowedLedger ledger, NodeId source, String address) {
    long from = ledger.head() + 1;
    List<LedgerRecord> records = new ArrayList<>();
    try (Context.CancellableContext call = Context.current().withCancellation()) {
      call.run(() -> {
        Iterator<LedgerRecord> answer = LedgerGrpc.newBlockingStub(channels.channel(address)).withDeadlineAfter(30, TimeUnit.SECONDS)
            .exportAudit(ExportAuditRequest.newBuilder().setFederation(FederationId.newBuilder().setName(federation)).setFrom(from).build());
        while (answer.hasNext() && records.size() < MAX_RECORDS_PER_POLL) {
          records.add(answer.next());
        }
      });
    }
    if (records.isEmpty()) {
      metrics.followed(federation, "current");
      return;
    }
    Optional<String> bad = ledger.extend(records);
    if (bad.isPresent()) {
      metrics.followed(federation, "refused");
      LOG.warning(federation + ": the ledger " + source.hex() + " served does not verify, kept the verified copy at record "
          + ledger.head() + ": " + bad.get());
    } else {
      metrics.followed(federation, "extended");
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
