package io.fedmesh.node.ledger;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.Role;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's {@link FederationDirectory}: a federation whose ledger this node holds (after its genesis)
 * reads from the ledger; one it follows without a replica (a participant, {@link LedgerFollowers})
 * from its verified copy; every other federation from the config's bootstrap facts.
 */
public final class NodeFederations implements FederationDirectory {
  private final NodeConfig config;
  private final Map<String, LedgerMachine> ledgers = new ConcurrentHashMap<>();
  private final Map<String, FollowedLedger> followed = new ConcurrentHashMap<>();

  public NodeFederations(NodeConfig config) {
    this.config = config;
  }

  void attach(String federation, LedgerMachine machine) {
    ledgers.put(federation, machine);
  }

  void follow(String federation, FollowedLedger ledger) {
    followed.put(federation, ledger);
  }

  /** Reads the ledger this node holds a replica of, else the verified copy it follows; empty before a genesis. */
  private <T> java.util.Optional<T> ledger(String federation, java.util.function.Function<io.fedmesh.coordinator.ledger.FederationLedger, T> reader) {
    LedgerMachine m = withGenesis(federation);
    if (m != null) {
      return java.util.Optional.ofNullable(m.read(reader));
    }
    FollowedLedger f = followed.get(federation);
    return f == null ? java.util.Optional.empty() : f.read(reader);
  }

  private LedgerMachine withGenesis(String federation) {
    LedgerMachine m = ledgers.get(federation);
    return m != null && m.read(l -> l.hasGenesis()) ? m : null;
  }

  @Override
  public Set<String> federations() {
    Set<String> all = new TreeSet<>(config.federations().keySet());
    ledgers.forEach((name, m) -> {
      if (m.read(l -> l.hasGenesis())) {
        all.add(name);
      }
    });
    return Collections.unmodifiableSet(all);
  }

  @Override
  public Set<Role> roles(String federation, NodeId node) {
    return ledger(federation, l -> l.rolesOf(node)).orElseGet(() -> config.roles(federation, node));
  }

  @Override
  public SortedMap<NodeId, Set<Role>> members(String federation) {
    TreeMap<NodeId, Set<Role>> out = new TreeMap<>();
    boolean fromLedger = ledger(federation, l -> {
      for (Map.Entry<NodeId, LedgerMember> e : l.members().entrySet()) {
        out.put(e.getKey(), Collections.unmodifiableSet(EnumSet.copyOf(e.getValue().getRolesList())));
      }
      return true;
    }).orElse(false);
    if (!fromLedger) {
      Map<NodeId, Set<Role>> configured = config.federations().get(federation);
      if (configured != null) {
        out.putAll(configured);
      }
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * Who may speak Raft with this node: the coordinator-eligible members of every federation it knows
   * (its ledgers' members, and its config's bootstrap members).
   */
  public Set<NodeId> raftPeers() {
    Set<NodeId> out = new TreeSet<>();
    for (String federation : federations()) {
      members(federation).forEach((node, roles) -> {
        if (roles.contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
          out.add(node);
        }
      });
    }
    config.federations().values().forEach(m -> m.forEach((node, roles) -> {
      if (roles.contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        out.add(node);
      }
    }));
    return out;
  }

  /**
   * The federation's members as the config states them (its bootstrap facts, which a genesis must agree
   * with), or null if the config names no such federation.
   */
  public Map<NodeId, Set<Role>> bootstrap(String federation) {
    return config.federations().get(federation);
  }

  @Override
  public boolean ledgerBacked(String federation) {
    return ledger(federation, l -> true).orElse(false);
  }
}
