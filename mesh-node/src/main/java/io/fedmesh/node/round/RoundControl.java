package io.fedmesh.node.round;

import java.util.Optional;

/**
 * What the operator interface (Admin service, CLI) may ask of this node's coordinator role: start a
 * federation's rounds and see how they go. Implemented by the coordinator driver; a node that is not
 * a federation's coordinator refuses.
 */
public interface RoundControl {

  /**
   * Starts {@code rounds} rounds of {@code federation}, one after another, in the background.
   *
   * @throws IllegalArgumentException the federation is unknown here or has no rounds section, or rounds < 1
   * @throws IllegalStateException this node is not the federation's coordinator, or rounds are already running
   */
  RoundStatus start(String federation, int rounds);

  /** Whether this node runs the coordinator of {@code federation}. */
  default boolean coordinates(String federation) {
    return status(federation).isPresent();
  }

  /** The federation's rounds as this node's coordinator role sees them; empty if it never coordinated any. */
  Optional<RoundStatus> status(String federation);
}
