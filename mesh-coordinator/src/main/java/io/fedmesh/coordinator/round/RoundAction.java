package io.fedmesh.coordinator.round;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.RoundMessage;

/**
 * What a round engine asks its driver to do: the engines do no I/O, keep no clock and start no
 * thread, so the same engine runs in one process ({@code fedmesh simulate}) and over the wire
 * ({@code fedmesh node}). A driver carries out a step's actions in order before feeding the engine
 * anything else.
 */
public sealed interface RoundAction {

  /** Send {@code message} to {@code to} (in an envelope of the round's federation). */
  record Send(NodeId to, RoundMessage message) implements RoundAction {}

  /**
   * Call the engine's {@code onTimer(token)} after {@code delayMillis}. A newer timer supersedes older
   * ones: the engine ignores a token it no longer waits for, so a driver need not cancel.
   */
  record StartTimer(long token, long delayMillis) implements RoundAction {}

  /** Coordinator: stream the stored model {@code model} to {@code to} (it asked for it). */
  record ServeModel(NodeId to, ModelRef model) implements RoundAction {}

  /** Coordinator: store this model blob under its hash before anything after this action is sent. */
  record StoreModel(ModelRef model, byte[] blob, String manifest) implements RoundAction {}

  /**
   * Coordinator: the unmask requests are ready; call {@code releaseUnmask()} when unmasking is allowed
   * (today at once; with the ledger, once the unmask entry naming these survivors is committed).
   */
  record AwaitUnmaskRelease(long round, int[] survivors, int[] dropped) implements RoundAction {}

  /** Participant: get the model {@code model} from {@code from} into local storage, then {@code onModel}. */
  record FetchModel(NodeId from, ModelRef model) implements RoundAction {}

  /** Participant: train from {@code global} as {@code request} says, then {@code onTrained}. */
  record Train(float[] global, TrainingRequest request) implements RoundAction {}

  /** Participant: evaluate {@code model} on the held-out data, then {@code onEvaluated}. */
  record Evaluate(ModelRef ref, float[] model) implements RoundAction {}

  /**
   * A message was refused and dropped: {@code reason} is a short label for metrics (late, not_in_cohort,
   * wrong_round, not_coordinator, violation_<code>, ...), {@code detail} one line for the log.
   */
  record Refused(NodeId from, String reason, String detail) implements RoundAction {}

  /** Participant: it takes part in this round; remember the round number before anything is sent (never again lower). */
  record Joined(long round) implements RoundAction {}

  /** The round is over for this engine; nothing more will come of it. */
  record Finished(RoundReport report) implements RoundAction {}
}
