package io.fedmesh.node.round;

/**
 * DJL allows one gradient collector per JVM: every training and evaluation in this process holds this
 * lock, so several nodes in one JVM (tests) train one at a time.
 */
final class TrainingLock {
  static final Object LOCK = new Object();

  private TrainingLock() {}
}
