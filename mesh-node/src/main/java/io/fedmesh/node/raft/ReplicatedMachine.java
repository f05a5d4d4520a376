package io.fedmesh.node.raft;

/** A deterministic state machine that Raft replicates: no clocks, no I/O, no randomness inside. */
public interface ReplicatedMachine {
  /**
   * Applies one committed entry, in log order, once per index (also when the log is replayed after a
   * restart). {@code term} is the term of the Raft entry, set by Raft (not by whoever submitted it), and
   * {@code leader} the node id (hex) of the leader that appended it to the log: an entry only ever
   * enters the log through its term's leader, which stamps it, so a follower cannot pass off its own
   * submission as the leader's. Returns the reply to the submitter. A bad entry is rejected by the
   * reply, never by throwing, and leaves the state unchanged.
   */
  byte[] apply(long term, long index, String leader, byte[] entry);

  /** Answers a read-only query against the state as applied so far. */
  byte[] query(byte[] request);

  /** The whole state, for a snapshot (deterministic bytes for equal states). */
  byte[] snapshot();

  /** Replaces the state with a snapshot's; throws if the snapshot is damaged. */
  void restore(byte[] snapshot);
}
