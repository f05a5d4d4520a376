package io.fedmesh.deploy;

/** How long each image check took, printed so CI logs show where the minutes go. */
final class Timings {
  private Timings() {}

  static void note(String what, long startNanos) {
    System.out.printf("image check: %-40s %6.1f s%n", what, (System.nanoTime() - startNanos) / 1e9);
  }
}
