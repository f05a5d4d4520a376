package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import java.util.List;
import java.util.Optional;

/**
 * Checks an audit chain from its genesis: every record's place and back-link, every author's key and
 * signature, and that every act was one the ledger accepts at that point (by applying them all again to
 * an empty ledger). Also how a replica rebuilds its state from a snapshot, so a damaged snapshot is
 * found before it is served.
 */
public final class AuditChain {
  private AuditChain() {}

  /** The first record that fails, and why. */
  public record Failure(long sequence, String reason) {
    @Override
    public String toString() {
      return "record " + sequence + ": " + reason;
    }
  }

  /** The verdict on {@code records} of {@code federation}: empty when the whole chain holds. */
  public static Optional<Failure> verify(String federation, List<LedgerRecord> records) {
    try {
      replay(federation, records);
      return Optional.empty();
    } catch (ChainBroken e) {
      return Optional.of(e.failure);
    }
  }

  /**
   * The ledger {@code records} produce.
   *
   * @throws ChainBroken naming the first bad record
   */
  public static FederationLedger replay(String federation, List<LedgerRecord> records) throws ChainBroken {
    FederationLedger ledger = new FederationLedger(federation);
    for (LedgerRecord record : records) {
      append(ledger, record);
    }
    return ledger;
  }

  /**
   * Applies {@code record}, the next record of {@code ledger}'s chain, with every check of {@link #replay}:
   * how a node that holds no replica follows a ledger record by record from what a coordinator serves.
   * A record that fails leaves {@code ledger} unchanged only if the act itself is refused; a record
   * whose act is accepted but that does not re-encode leaves the ledger ahead of it, so callers discard
   * the ledger on any failure.
   *
   * @throws ChainBroken naming the record
   */
  public static void append(FederationLedger ledger, LedgerRecord record) throws ChainBroken {
    long sequence = ledger.headSequence() + 1;
    if (record.getSequence() != sequence) {
      throw new ChainBroken(new Failure(sequence, "holds sequence " + record.getSequence()));
    }
    if (!record.getPreviousHash().equals(ledger.headHash())) {
      throw new ChainBroken(new Failure(sequence, "its previous hash is not the hash of record " + (sequence - 1)));
    }
    LedgerReply reply = ledger.apply(record.getRaftTerm(), record.getAppendedBy(), record.getAct());
    if (!reply.getAccepted()) {
      throw new ChainBroken(new Failure(sequence, reply.getReason()));
    }
    ByteString own;
    try {
      own = LedgerRecords.hash(record);
    } catch (RuntimeException e) {
      throw new ChainBroken(new Failure(sequence, "has no canonical encoding: " + e.getMessage()));
    }
    if (!ledger.headHash().equals(own)) {
      throw new ChainBroken(new Failure(sequence, "does not re-encode to the record the ledger makes of its act"));
    }
  }

  /** A chain that does not hold. */
  public static final class ChainBroken extends Exception {
    private final Failure failure;

    ChainBroken(Failure failure) {
      super(failure.toString(), null, false, false);
      this.failure = failure;
    }

    public Failure failure() {
      return failure;
    }
  }
}
