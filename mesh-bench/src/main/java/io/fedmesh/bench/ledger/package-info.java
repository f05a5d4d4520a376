/**
 * Benchmarks of the federation ledger (docs/ledger.md) on real node processes: leader-election
 * (failover) time of a federation's Raft group when its leader is killed ({@code fedmesh bench election}).
 */
package io.fedmesh.bench.ledger;
