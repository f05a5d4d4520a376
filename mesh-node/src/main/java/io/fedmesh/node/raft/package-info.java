/**
 * Apache Ratis glue: one Raft server per node hosting one group per federation, with mutual TLS and a
 * replicated machine that knows nothing of Raft ({@link io.fedmesh.node.raft.ReplicatedMachine}).
 */
package io.fedmesh.node.raft;
