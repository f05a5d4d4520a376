package io.fedmesh.node.ledger;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.Role;
import java.util.Set;
import java.util.SortedMap;

/**
 * Who belongs to which federation in which roles, as this node knows it: the committed ledger for a
 * federation whose Raft group this node hosts, otherwise the bootstrap facts of its config. The one way
 * authorisation, the round roles and the CLI read federation membership.
 */
public interface FederationDirectory {
  /** Federations this node knows, by name. */
  Set<String> federations();

  default boolean knows(String federation) {
    return federations().contains(federation);
  }

  /** The roles of {@code node} in {@code federation}; empty if it is no member or the federation is unknown. */
  Set<Role> roles(String federation, NodeId node);

  /** Members of {@code federation} by node id, ascending; empty if the federation is unknown. */
  SortedMap<NodeId, Set<Role>> members(String federation);

  /** Whether the ledger (not the config) is the source of {@code federation}'s membership here. */
  boolean ledgerBacked(String federation);
}
