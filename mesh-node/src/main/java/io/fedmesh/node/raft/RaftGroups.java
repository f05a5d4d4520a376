package io.fedmesh.node.raft;
public final class RaftGroups implements AutoCloseable {
  public RaftGroups(io.fedmesh.crypto.identity.NodeId self, java.net.InetSocketAddress listen, java.nio.file.Path storageDir,
                    java.nio.file.Path key, java.nio.file.Path certificate, java.nio.file.Path ca,
                    RaftSettings settings, java.util.function.Function<String, ReplicatedMachine> machines) {}
  public void start() throws java.io.IOException {}
  public java.net.InetSocketAddress address() { return null; }
  public void join(String federation, java.util.List<RaftPeerAddress> peers) throws java.io.IOException {}
  public java.util.Set<String> federations() { return null; }
  public java.util.concurrent.CompletableFuture<byte[]> submit(String federation, byte[] entry) { return null; }
  public java.util.concurrent.CompletableFuture<byte[]> query(String federation, byte[] request) { return null; }
  public byte[] queryLocal(String federation, byte[] request) { return null; }
  public boolean isLeader(String federation) { return false; }
  public java.util.Optional<io.fedmesh.crypto.identity.NodeId> leader(String federation) { return null; }
  public long term(String federation) { return 0; }
  public long appliedIndex(String federation) { return 0; }
  public void onLeaderChange(LeaderListener listener) {}
  public interface LeaderListener { void leaderChanged(String federation, io.fedmesh.crypto.identity.NodeId leader, long term); }
  public long takeSnapshot(String federation) throws java.io.IOException { return 0; }
  public void close() {}
}
