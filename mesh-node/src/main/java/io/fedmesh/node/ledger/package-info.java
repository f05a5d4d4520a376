/**
 * The federation ledger on a node (docs/ledger.md): each federation's coordinator-eligible nodes keep
 * it in their own Raft group ({@link io.fedmesh.node.raft}); the leader is the federation's coordinator.
 * This package glues the deterministic ledger of mesh-coordinator to Raft, serves the Ledger gRPC
 * service and the CLI's governance and audit commands, and gives the rest of the node one view of
 * federation membership ({@link io.fedmesh.node.ledger.FederationDirectory}).
 */
package io.fedmesh.node.ledger;
