package io.fedmesh.coordinator.privacy;

/**
 * The most privacy a participant lets the rounds of one federation spend on its data, whatever the
 * coordinator or the federation's budget says (the {@code privacy_cap:} of its participant section).
 *
 * @param epsilon in (0, 1000]
 * @param delta in (0, 0.1): the delta the spend is converted to epsilon at
 */
public record PrivacyCap(double epsilon, double delta) {
  /** The largest epsilon a cap may name: beyond it a cap protects nothing worth the name. */
  public static final double MAX_EPSILON = 1000;
  /** Caps are at deltas below this. */
  public static final double MAX_DELTA = 0.1;

  public PrivacyCap {
    if (!(epsilon > 0 && epsilon <= MAX_EPSILON)) {
      throw new IllegalArgumentException("privacy_cap.epsilon must be in (0, 1000], got " + epsilon);
    }
    if (!(delta > 0 && delta < MAX_DELTA)) {
      throw new IllegalArgumentException("privacy_cap.delta must be in (0, 0.1), got " + delta);
    }
  }
}
