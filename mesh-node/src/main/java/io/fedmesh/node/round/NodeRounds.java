package io.fedmesh.node.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.privacy.DdgAccounting;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.node.participant.PrivacyLedgerFile;
import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.config.ParticipantSettings;
import io.fedmesh.node.gossip.SwimNode;
import io.fedmesh.node.ledger.FederationDirectory;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.model.ModelStore;
import io.fedmesh.node.participant.LocalData;
import io.fedmesh.node.relay.EnvelopeRouter;
import io.fedmesh.node.relay.RoutedTransfers;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.RoundMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * A node's round roles: the coordinator driver of each federation whose {@code rounds.coordinator} is
 * this node, and the participant agent of each federation in its {@code participant:} section. Takes
 * every KIND_ROUND envelope the router verified and hands it to the role it is for, after the checks the
 * router does not make: the federation is one this node is in, and the sender has the role that may
 * send that message there (participant to coordinator, coordinator-eligible to participant). Cohort
 * membership, the round instance and the coordinator's identity are the engines' own checks.
 */
public final class NodeRounds implements RoundControl, AutoCloseable {
  /** The largest model a node stores or accepts: 1 GiB. */
  public static final long MAX_MODEL_BYTES = 1L << 30;

  private final NodeConfig config;
  private final RoundMetrics metrics;
  private final Map<String, CoordinatorDriver> coordinators = new java.util.concurrent.ConcurrentHashMap<>();
  private final FederationDirectory federations;
  private final NodeId self;
  private final RoutedTransfers transfers;
  private final Supplier<Map<NodeId, SwimNode.Member>> members;
  private final RoundLink link;
  private final Map<String, ParticipantAgent> participants = new HashMap<>();
  private final ScheduledExecutorService timer;
  /** This node's own privacy ledger as a participant, shared by its federations (null: not a participant). */
  private final ParticipantLedger privacyLedger;
  /** The accountant of the distributed discrete Gaussian participants charge themselves with (no amplification). */
  static final DdgAccounting DDG_ACCOUNTING = DdgAccounting.FULL;

  /**
   * What a participant trains with: DJL on the data its participant section names (the default), or a
   * stand-in for benchmarks that exclude training. May throw IOException naming the data that cannot be read.
   */
  public interface LocalWorkFactory {
    LocalWork create(ParticipantSettings participant, FederationSettings federation) throws IOException;

    /** As above, with the directory where the participant keeps state across rounds (SCAFFOLD's control variate). */
    default LocalWork create(ParticipantSettings participant, FederationSettings federation, java.nio.file.Path stateDir)
        throws IOException {
      return create(participant, federation);
    }
  }

  /** The default: the participant's rows ({@link LocalData}) trained and evaluated with DJL. */
  public static final LocalWorkFactory DJL = new LocalWorkFactory() {
    @Override
    public LocalWork create(ParticipantSettings participant, FederationSettings federation) throws IOException {
      throw new IOException("DJL local work keeps state across rounds: it needs a state directory");
    }

    @Override
    public LocalWork create(ParticipantSettings participant, FederationSettings federation, java.nio.file.Path stateDir)
        throws IOException {
      LocalData data = LocalData.load(participant).fitTo(federation);
      java.nio.file.Path control = federation.algorithm() == io.fedmesh.ml.strategy.Algorithm.SCAFFOLD
          ? stateDir.resolve(participant.federation() + ".scaffold-control") : null;
      java.nio.file.Path personal = federation.personalisation().privateLayers().isEmpty() ? null
          : stateDir.resolve(participant.federation() + ".personal-model");
      DjlLocalWork work = new DjlLocalWork(federation, data.train(), data.holdout(), control, personal);
      if (personal != null) {
        // A private-layer prefix that names nothing would otherwise surface only as every round declined.
        try {
          work.checkPrivateLayers();
        } catch (IllegalArgumentException e) {
          work.close();
          throw new IOException("federations." + participant.federation() + ".rounds.personalisation: " + e.getMessage(), e);
        }
      }
      return work;
    }
  };

  /**
   * @param members SWIM's view (who is alive), for choosing cohorts
   * @param work how participants train ({@link #DJL} on a node)
   * @throws IOException if a participant's local data or a role's state file cannot be read, naming it
   */
  public NodeRounds(NodeId self, SigningKey identity, NodeConfig config, FederationDirectory federations, EnvelopeRouter router,
      RoutedTransfers transfers, Supplier<Map<NodeId, SwimNode.Member>> members, NodeMetrics nodeMetrics, Clock clock,
      LocalWorkFactory work) throws IOException {
    this.config = config;
    this.federations = federations;
    this.self = self;
    this.transfers = transfers;
    this.members = members;
    this.metrics = new RoundMetrics(nodeMetrics.registry());
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("fedmesh-round-timer"));
    this.link = new RoundLink(router, identity, clock, metrics);
    try {
      this.privacyLedger = config.participant().isEmpty() ? null : privacyLedger(config, clock, metrics);
      for (String federation : config.federations().keySet()) {
        Optional<FederationSettings> rounds = config.rounds(federation);
        if (rounds.isPresent() && rounds.get().coordinator().equals(self)) {
          coordinators.put(federation, driver(federation, rounds.get(),
              new StateFileRoundLedger(new RoundStateFile(stateDir().resolve(federation + ".coordinator"))), true));
        }
      }
      for (ParticipantSettings p : config.participant().values()) {
        FederationSettings settings = config.rounds(p.federation()).orElseThrow(() -> new IOException(
            "participant." + p.federation() + ": the federation has no rounds section"));
        LocalWork local = work.create(p, settings, stateDir());
        Supplier<String> manifest = local instanceof DjlLocalWork djl ? djl::manifest : () -> "(no layout: " + local + ")";
        String federation = p.federation();
        // An elected coordinator is whichever coordinator-eligible member leads; its unmask requests must
        // carry a majority of their endorsements.
        Set<NodeId> endorsers = settings.elected() ? coordinatorEligible(federation) : Set.of();
        var policy = settings.elected() && p.policy().coordinators().isEmpty() ? p.policy().withCoordinators(endorsers) : p.policy();
        participants.put(federation, new ParticipantAgent(federation, settings, policy,
            node -> federations.roles(federation, node).contains(Role.ROLE_PARTICIPANT), identity, link, transfers,
            store(p.federation()), local, manifest,
            new RoundStateFile(stateDir().resolve(p.federation() + ".participant")), metrics,
            Executors.newSingleThreadExecutor(daemon("fedmesh-participant-" + p.federation())), timer, endorsers,
            privacyLedger, DDG_ACCOUNTING));
        metrics.participantEpsilon(federation, epsilon(privacyLedger.spent(federation), policy.privacyCap()));
      }
    } catch (IOException e) {
      close();
      throw e;
    } catch (IllegalArgumentException e) {
      close();
      throw new IOException(e.getMessage(), e);
    }
    router.handle(Envelope.PayloadCase.ROUND, this::onEnvelope);
  }

  /**
   * Loads the participant's privacy ledger from the data directory.
   *
   * @throws IOException naming the file, if it exists but cannot be read or used: a node never starts
   *     with its privacy ledger reset
   */
  private static ParticipantLedger privacyLedger(NodeConfig config, Clock clock, RoundMetrics metrics) throws IOException {
    PrivacyLedgerFile file = new PrivacyLedgerFile(PrivacyLedgerFile.in(config.dataDir()));
    return new ParticipantLedger(file.read(), file, clock, new ParticipantLedger.Observer() {
      @Override
      public void charged(String federation, ParticipantLedger.FederationSpend spend, PrivacyCap cap) {
        metrics.participantEpsilon(federation, epsilon(spend, cap));
      }

      @Override
      public void declined(String federation, String kind) {
        metrics.privacyDecline(federation, kind);
      }
    });
  }

  /** A spend as epsilon at the cap's delta, or the ledger's default delta without a cap. */
  static double epsilon(ParticipantLedger.FederationSpend spend, PrivacyCap cap) {
    if (spend.entries().isEmpty()) {
      return 0; // the conversion's floor (0.103 at 1e-5) would read as a spend
    }
    return spend.total().epsilon(cap == null ? ParticipantLedger.DEFAULT_DELTA : cap.delta()).epsilon();
  }

  private CoordinatorDriver driver(String federation, FederationSettings settings, RoundLedger ledger, boolean active) {
    Supplier<List<NodeId>> alive = () -> {
      Map<NodeId, SwimNode.Member> view = members.get();
      // Suspect is not dead (a loaded machine answers probes late): inviting one costs at most the
      // training deadline, never the round.
      return participantsOf(federation).stream().filter(n -> view.containsKey(n)
          && view.get(n).state() != MemberState.MEMBER_STATE_DEAD).toList();
    };
    return new CoordinatorDriver(federation, settings, link, transfers, store(federation), alive,
        participantsOf(federation).size(), ledger, metrics,
        Executors.newSingleThreadExecutor(daemon("fedmesh-coordinator-" + federation)), timer, active);
  }

  private List<NodeId> participantsOf(String federation) {
    List<NodeId> out = new ArrayList<>();
    federations.members(federation).forEach((node, roles) -> {
      if (!node.equals(self) && roles.contains(Role.ROLE_PARTICIPANT)) {
        out.add(node);
      }
    });
    return out;
  }

  private Set<NodeId> coordinatorEligible(String federation) {
    Set<NodeId> out = new java.util.TreeSet<>();
    federations.members(federation).forEach((node, roles) -> {
      if (roles.contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        out.add(node);
      }
    });
    return out;
  }

  /**
   * The coordinator driver of {@code federation} whose coordinator is elected, made on first use (held
   * inactive until {@link #coordinatorRole} gives it the role): its rounds are recorded in {@code ledger}.
   *
   * @throws IllegalArgumentException if the federation has no rounds settings with {@code coordinator: elected}
   */
  public synchronized void electedCoordinator(String federation, RoundLedger ledger) {
    if (coordinators.containsKey(federation)) {
      return;
    }
    FederationSettings settings = config.rounds(federation).filter(FederationSettings::elected).orElseThrow(() ->
        new IllegalArgumentException("federation '" + federation + "' has no rounds section with coordinator: elected in this node's config"));
    coordinators.put(federation, driver(federation, settings.withCoordinator(self), ledger, false));
  }

  private Path stateDir() {
    return config.dataDir().resolve("rounds");
  }

  /** The federation's rounds settings from the config. */
  public FederationSettings settings(String federation) {
    return config.rounds(federation).orElseThrow(() -> new IllegalArgumentException("federation '" + federation
        + "' has no rounds section in this node's config"));
  }

  /** The content-addressed model store of {@code federation} in this node's data directory. */
  public ModelStore store(String federation) {
    return new ModelStore(config.dataDir().resolve("models").resolve(federation), MAX_MODEL_BYTES);
  }

  private void onEnvelope(Envelope envelope, NodeId sender) {
    String federation = envelope.getFederation().getName();
    RoundMessage message = envelope.getRound();
    Set<Role> roles = federations.roles(federation, sender);
    if (roles.isEmpty()) {
      metrics.refused(federation.isEmpty() ? "none" : federation, "node", "not_a_member");
      return;
    }
    metrics.bytes(federation, RoundLink.kind(message), "received", message.getSerializedSize());
    boolean toCoordinator = switch (message.getBodyCase()) {
      case DECLINE, MODEL_REQUEST, EVALUATION -> true;
      case SECAGG -> clientMessage(message);
      default -> false;
    };
    if (toCoordinator) {
      CoordinatorDriver driver = coordinators.get(federation);
      if (driver == null || !roles.contains(Role.ROLE_PARTICIPANT)) {
        metrics.refused(federation, "coordinator", driver == null ? "not_coordinator_here" : "not_a_participant");
        return;
      }
      driver.onMessage(sender, message);
    } else {
      ParticipantAgent agent = participants.get(federation);
      if (agent == null || !roles.contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        metrics.refused(federation, "participant", agent == null ? "not_participant_here" : "not_coordinator_eligible");
        return;
      }
      agent.onMessage(sender, message);
    }
  }

  private static boolean clientMessage(RoundMessage m) {
    return switch (m.getSecagg().getBodyCase()) {
      case ADVERTISE_KEYS, GRAPH_NONCE, SHARE_KEYS, MASKED_INPUT_CHUNK, SHARE_COMPLAINT, SURVIVOR_LIST_SIGNATURE,
          UNMASK_RESPONSE -> true;
      default -> false;
    };
  }

  @Override
  public RoundStatus start(String federation, int rounds) {
    if (!federations.knows(federation)) {
      throw new IllegalArgumentException("federation '" + federation + "' is unknown to this node");
    }
    CoordinatorDriver driver = coordinators.get(federation);
    if (driver == null) {
      throw new IllegalStateException(config.rounds(federation).isEmpty()
          ? "federation '" + federation + "' has no rounds section"
          : config.rounds(federation).get().elected()
          ? "this node is not the elected coordinator of federation '" + federation + "' now: ask the Raft leader "
              + "('fedmesh ledger head' names it)"
          : "this node is not the coordinator of federation '" + federation + "'");
    }
    if (!driver.active() && config.rounds(federation).map(FederationSettings::elected).orElse(false)) {
      throw new IllegalStateException("this node is not the elected coordinator of federation '" + federation
          + "' now: ask the Raft leader ('fedmesh ledger head' names it)");
    }
    return driver.start(rounds);
  }

  @Override
  public Optional<RoundStatus> status(String federation) {
    CoordinatorDriver driver = coordinators.get(federation);
    return driver == null ? Optional.empty() : Optional.of(driver.status());
  }

  /**
   * Gives this node's coordinator role in {@code federation} back ({@code active}) or takes it away (the
   * round in progress aborts with {@code reason}; round starts are refused until it is given back). The
   * seam for Raft leadership; today the role is the config's and always held.
   *
   * @throws IllegalArgumentException if this node has no coordinator driver for the federation
   */
  public void coordinatorRole(String federation, boolean active, String reason) {
    CoordinatorDriver driver = coordinators.get(federation);
    if (driver == null) {
      throw new IllegalArgumentException("this node does not coordinate federation '" + federation + "'");
    }
    driver.role(active, reason);
  }

  @Override
  public boolean coordinates(String federation) {
    return coordinators.containsKey(federation);
  }

  /** Federations this node coordinates. */
  public Set<String> coordinating() {
    return Set.copyOf(coordinators.keySet());
  }

  /** Federations this node trains in. */
  public Set<String> participating() {
    return Set.copyOf(participants.keySet());
  }

  @Override
  public void close() {
    coordinators.values().forEach(CoordinatorDriver::close);
    participants.values().forEach(ParticipantAgent::close);
    timer.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
