package io.fedmesh.node.ledger;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.Role;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Whether a (valid, signed) genesis is the one this node's config describes: signed by a configured
 * admin, stating exactly the configured members and roles, and letting no minority of the admins
 * decide. A coordinator checks it before hosting a federation's ledger, and a participant before it
 * follows a ledger a coordinator serves it: otherwise anyone with a certificate could take over a
 * federation's name, or one admin found it without the others.
 */
final class GenesisCheck {
  private GenesisCheck() {}

  /** Why {@code genesis} of {@code federation} disagrees with {@code configured}, or empty when it agrees. */
  static Optional<String> against(String federation, LedgerAct genesis, Map<NodeId, Set<Role>> configured) {
    NodeId signer = NodeId.ofBytes(genesis.getAuthor().getSha256().toByteArray());
    if (!configured.getOrDefault(signer, Set.of()).contains(Role.ROLE_ADMIN)) {
      return Optional.of("the genesis is signed by " + signer.hex() + ", not an admin of '" + federation + "' in this node's config");
    }
    Map<NodeId, Set<Role>> stated = new TreeMap<>();
    for (LedgerMember m : genesis.getGenesis().getMembersList()) {
      stated.put(NodeId.ofBytes(m.getNode().getSha256().toByteArray()), Set.copyOf(m.getRolesList()));
    }
    Set<NodeId> everyone = new TreeSet<>(configured.keySet());
    everyone.addAll(stated.keySet());
    for (NodeId node : everyone) {
      Set<Role> inGenesis = stated.getOrDefault(node, Set.of());
      Set<Role> inConfig = configured.getOrDefault(node, Set.of());
      if (!inGenesis.equals(inConfig)) {
        return Optional.of("the genesis gives " + node.hex() + " roles " + names(inGenesis) + ", this node's config for '" + federation
            + "' gives it " + names(inConfig) + ": the genesis must state the configured members exactly");
      }
    }
    long admins = stated.values().stream().filter(r -> r.contains(Role.ROLE_ADMIN)).count();
    long approvals = genesis.getGenesis().getApprovalsRequired();
    if (approvals <= admins / 2) {
      return Optional.of("the genesis lets " + approvals + " of " + admins + " admins decide: a federation starts with at least a "
          + "majority (" + (admins / 2 + 1) + "); lower it later by proposal if the admins agree");
    }
    return Optional.empty();
  }

  private static String names(Set<Role> roles) {
    return roles.isEmpty() ? "none" : roles.stream().map(r -> r.name().substring("ROLE_".length()).toLowerCase(Locale.ROOT)
        .replace('_', '-')).sorted().collect(Collectors.joining(",", "[", "]"));
  }
}
