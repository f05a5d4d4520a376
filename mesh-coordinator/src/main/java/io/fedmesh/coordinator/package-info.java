/**
 * Round orchestration as a state machine, participant selection, and the replicated federation ledger
 * (Apache Ratis). Nothing here yet: this module exists so the layout matches ARCHITECTURE.md.
 */
package io.fedmesh.coordinator;
