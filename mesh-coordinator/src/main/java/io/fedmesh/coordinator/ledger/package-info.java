/**
 * The federation ledger's deterministic state machine (docs/ledger.md): members and roles, governance
 * by M-of-N admin approval, rounds and their fencing, model versions, privacy spent, and the signed,
 * hash-chained audit trail. Sans-I/O: Raft (in mesh-node) orders the acts, every replica applies them
 * here with the same pure function.
 */
package io.fedmesh.coordinator.ledger;
