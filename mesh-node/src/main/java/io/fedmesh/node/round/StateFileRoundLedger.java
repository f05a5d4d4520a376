package io.fedmesh.node.round;

import io.fedmesh.coordinator.round.RoundReport;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.model.ModelStore;
import java.io.IOException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * The record of a coordinator named in the config: the last committed round and model in its state
 * file; nothing else is kept, nothing waited for, and unmasking needs no endorsements. A round in
 * progress at a crash is simply not counted.
 */
final class StateFileRoundLedger implements RoundLedger {
  private final RoundStateFile file;
  private long lastCommitted;
  private long lastRound;
  private String model;

  StateFileRoundLedger(RoundStateFile file) throws IOException {
    this.file = file;
    Properties p = file.read();
    this.lastCommitted = file.number(p, "round");
    this.lastRound = lastCommitted;
    this.model = p.getProperty("model", "").strip();
    if (!model.isEmpty() && !ModelStore.ID.matcher(model).matches()) {
      throw new IOException(file.path() + ": model is '" + model + "', expected 64 hex digits");
    }
  }

  @Override
  public synchronized long lastRound() {
    return lastRound;
  }

  @Override
  public synchronized long lastCommittedRound() {
    return lastCommitted;
  }

  @Override
  public synchronized String lastModel() {
    return model;
  }

  @Override
  public synchronized CompletableFuture<Void> started(long round, String baseModel, List<NodeId> cohort, int roundsLeft,
      io.fedmesh.proto.v1.RoundPlan plan) {
    lastRound = Math.max(lastRound, round);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<List<io.fedmesh.proto.v1.UnmaskEndorsement>> unmaskAuthorised(io.fedmesh.proto.v1.RoundPlan plan, long round,
      int[] survivors, int[] dropped) {
    return CompletableFuture.completedFuture(List.of());
  }

  @Override
  public synchronized CompletableFuture<Void> committed(RoundReport report, String baseModel, long modelBytes) {
    try {
      file.write("round=" + report.round() + "\nmodel=" + report.modelSha256() + "\n");
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new IOException(file.path() + ": " + e.getMessage()
          + "; the round's model is stored but not recorded as current", e));
    }
    lastCommitted = report.round();
    model = report.modelSha256();
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> aborted(long round, String reason) {
    return CompletableFuture.completedFuture(null);
  }
}
