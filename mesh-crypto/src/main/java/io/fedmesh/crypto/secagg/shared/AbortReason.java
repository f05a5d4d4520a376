package io.fedmesh.crypto.secagg.shared;

/** Why a round ended without a sum: the phase it was in and a message with the counts that failed. */
public record AbortReason(Phase phase, String message) {
  @Override
  public String toString() {
    return "aborted in " + phase + ": " + message;
  }
}
