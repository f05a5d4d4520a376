package io.fedmesh.node.raft;
public interface ReplicatedMachine {
  byte[] apply(long term, long index, byte[] entry);
  byte[] query(byte[] request);
  byte[] snapshot();
  void restore(byte[] snapshot);
}
