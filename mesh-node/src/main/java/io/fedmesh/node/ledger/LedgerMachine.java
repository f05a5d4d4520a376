package io.fedmesh.node.ledger;

import com.google.protobuf.InvalidProtocolBufferException;
import io.fedmesh.coordinator.ledger.AuditChain;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.node.raft.ReplicatedMachine;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerSnapshot;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One federation's ledger as a Raft state machine: an entry is a serialized {@link LedgerAct}, applied
 * with the deterministic {@link FederationLedger}; a snapshot is the whole audit chain, and restoring one
 * replays and verifies it, so a damaged snapshot stops the replica instead of serving a changed history.
 * Readers see the state between two applied entries, never during one.
 */
final class LedgerMachine implements ReplicatedMachine {
  private final String federation;
  private final Consumer<LedgerRecord> applied;
  private FederationLedger ledger;

  /** @param applied told of each accepted record, on the Raft thread (must not block) */
  LedgerMachine(String federation, Consumer<LedgerRecord> applied) {
    this.federation = federation;
    this.applied = applied;
    this.ledger = new FederationLedger(federation);
  }

  @Override
  public byte[] apply(long term, long index, String leader, byte[] entry) {
    LedgerReply reply;
    LedgerRecord record = null;
    synchronized (this) {
      LedgerAct act;
      try {
        act = LedgerAct.parseFrom(entry);
      } catch (InvalidProtocolBufferException e) {
        return LedgerReply.newBuilder().setReason("entry " + index + " is not a ledger act").build().toByteArray();
      }
      reply = ledger.apply(term, leader, act);
      if (reply.getAccepted()) {
        record = ledger.records().get((int) reply.getSequence() - 1);
      }
    }
    if (record != null) {
      applied.accept(record);
    }
    return reply.toByteArray();
  }

  @Override
  public byte[] query(byte[] request) {
    synchronized (this) {
      return LedgerSnapshot.newBuilder().addAllRecords(ledger.records()).build().toByteArray();
    }
  }

  @Override
  public synchronized byte[] snapshot() {
    return LedgerSnapshot.newBuilder().addAllRecords(ledger.records()).build().toByteArray();
  }

  @Override
  public void restore(byte[] snapshot) {
    LedgerSnapshot s;
    try {
      s = LedgerSnapshot.parseFrom(snapshot);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("ledger snapshot of '" + federation + "' does not parse: " + e.getMessage(), e);
    }
    FederationLedger restored;
    try {
      restored = AuditChain.replay(federation, s.getRecordsList());
    } catch (AuditChain.ChainBroken e) {
      throw new IllegalStateException("ledger snapshot of '" + federation + "' fails verification at " + e.getMessage(), e);
    }
    synchronized (this) {
      ledger = restored;
    }
  }

  /** Reads the ledger between two applied entries. */
  synchronized <T> T read(Function<FederationLedger, T> reader) {
    return reader.apply(ledger);
  }
}
