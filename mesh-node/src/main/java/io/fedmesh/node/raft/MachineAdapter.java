package io.fedmesh.node.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;

/**
 * A {@link ReplicatedMachine} as a Ratis state machine: each committed entry goes to the machine with
 * the term and index Raft gave it; a snapshot is the machine's bytes in one file named by the term and
 * index it covers (written atomically), which is also what Ratis ships to a follower behind the purged
 * log.
 */
final class MachineAdapter extends BaseStateMachine {
  private final String federation;
  private final ReplicatedMachine machine;
  private final BiConsumer<String, RaftPeerId> leaderChanged;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  /** Length of the leader's stamp: a node id in hex. */
  static final int STAMP = 64;

  MachineAdapter(String federation, ReplicatedMachine machine, BiConsumer<String, RaftPeerId> leaderChanged) {
    this.federation = federation;
    this.machine = machine;
    this.leaderChanged = leaderChanged;
  }

  ReplicatedMachine machine() {
    return machine;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, raftStorage);
      storage.init(raftStorage);
      restoreLatest();
    });
  }

  /** Before Ratis installs a snapshot from the leader: it checks the machine is paused, then reinitializes it. */
  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    // After Ratis installed a snapshot from the leader: the machine becomes that snapshot.
    if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      restoreLatest();
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    } else {
      restoreLatest();
    }
  }

  private void restoreLatest() throws IOException {
    SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
    if (latest == null) {
      return;
    }
    byte[] bytes = Files.readAllBytes(latest.getFile().getPath());
    machine.restore(bytes);
    updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /**
   * On the leader, before an entry is appended: stamp it with this node's id. Every entry of a term
   * passes through that term's leader, so the stamp says which node the log had as leader when it took
   * the entry in.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString stamped = ByteString.copyFromUtf8(getId().toString()).concat(request.getMessage().getContent());
    return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request).setLogData(stamped).build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    String leader = data.size() >= STAMP ? data.substring(0, STAMP).toStringUtf8() : "";
    byte[] body = data.size() >= STAMP ? data.substring(STAMP).toByteArray() : new byte[0];
    byte[] reply = machine.apply(entry.getTerm(), entry.getIndex(), leader, body);
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(machine.query(request.getContent().toByteArray()))));
  }

  @Override
  public long takeSnapshot() throws IOException {
    // Called on the thread that applies entries: the machine's state is exactly that of the last applied index.
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    byte[] bytes = machine.snapshot();
    Path file = storage.getSnapshotFile(last.getTerm(), last.getIndex()).toPath();
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.createDirectories(file.getParent());
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.force(true);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    // Ratis counts a snapshot without its MD5 file as incomplete: it would not serve or reload it.
    org.apache.ratis.io.MD5Hash md5 = org.apache.ratis.util.MD5FileUtil.computeAndSaveMd5ForFile(file.toFile());
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, md5), last));
    return last.getIndex();
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId leader) {
    leaderChanged.accept(federation, leader);
  }

  @Override
  public String toString() {
    return "ledger machine of '" + federation + "'";
  }

}
