package io.fedmesh.coordinator.round;

import io.fedmesh.ml.eval.EvaluationCounts;

/**
 * What a participant does on its own data when its round engine asks ({@link RoundAction.Train},
 * {@link RoundAction.Evaluate}): DJL training and evaluation on a node and in simulation, a synthetic
 * update in benchmarks that exclude training. Called on the participant's own thread, one call at a time.
 */
public interface LocalWork {

  /** A participant's update (trained - global, clipped to the round's norm) and its number of local training examples. */
  record Trained(float[] update, long examples) {}

  /**
   * Trains from {@code global} as {@code request} says.
   *
   * @throws RuntimeException if training fails (diverged, bad data): the participant declines, naming why
   */
  Trained train(float[] global, TrainingRequest request);

  /**
   * The number of local training examples, known before any training: a participant's DP-SGD charge
   * depends on it (its sampling rate and steps). 0 if unknown: DP-SGD rounds are then declined.
   */
  default long trainingExamples() {
    return 0;
  }

  /**
   * The round ended (after {@link #train}, if it trained): state kept across rounds, such as SCAFFOLD's
   * control variate, moves on only when {@code committed}, so that it stays the one the server summed.
   */
  default void roundEnded(long round, boolean committed) {}

  /**
   * Evaluates this participant's personalised model for {@code global} (its own private layers,
   * fine-tuned as the federation says) on the same held-out data as {@link #evaluate}, or null where the
   * federation does not personalise. Called after {@link #evaluate} returned counts.
   */
  default EvaluationCounts evaluatePersonalised(float[] global) {
    return null;
  }

  /** Evaluates {@code model} on held-out data, or returns null if there is none (then no report is sent). */
  EvaluationCounts evaluate(float[] model);
}
