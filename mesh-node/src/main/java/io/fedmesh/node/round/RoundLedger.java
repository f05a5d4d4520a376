package io.fedmesh.node.round;

import io.fedmesh.coordinator.round.RoundReport;
import io.fedmesh.crypto.identity.NodeId;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a coordinator records its rounds, and what it must wait for: the federation ledger when the
 * coordinator is elected (each step commits through Raft before the round goes on, and the ledger
 * fences a deposed coordinator), or the coordinator's own state file when it is named in the config.
 * Futures complete on any thread; the driver hops back to its own.
 */
public interface RoundLedger {
  /** The last round number used (started, whether it committed or not); the next round is one more. */
  long lastRound();

  /** The last committed round's number (0 before any). */
  long lastCommittedRound();

  /** The last committed model's SHA-256 as 64 lowercase hex digits, or "" before the first. */
  String lastModel();

  /** Records that {@code round} starts from {@code baseModel} with {@code cohort}; fails if refused. */
  CompletableFuture<Void> started(long round, String baseModel, List<NodeId> cohort, int roundsLeft,
      io.fedmesh.proto.v1.RoundPlan plan);

  /**
   * Records that {@code round} may be unmasked with these survivors, and completes with the proof
   * participants check (endorsements; empty where none is needed); fails if refused.
   */
  CompletableFuture<List<io.fedmesh.proto.v1.UnmaskEndorsement>> unmaskAuthorised(io.fedmesh.proto.v1.RoundPlan plan, long round,
      int[] survivors, int[] dropped);

  /** Records the committed round and its model. */
  CompletableFuture<Void> committed(RoundReport report, String baseModel, long modelBytes);

  /** Records that {@code round} aborted. */
  CompletableFuture<Void> aborted(long round, String reason);

  /** The ledger refused a step; {@code retry} false when trying again cannot help (the budget is spent). */
  final class Refused extends Exception {
    private final boolean retry;

    public Refused(String reason, boolean retry) {
      super(reason, null, false, false);
      this.retry = retry;
    }

    public boolean retry() {
      return retry;
    }
  }
}
