package io.fedmesh.node.raft;
public record RaftSettings(java.time.Duration electionTimeoutMin, java.time.Duration electionTimeoutMax,
                           java.time.Duration requestTimeout, long snapshotEveryEntries) {}
