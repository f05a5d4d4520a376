package io.fedmesh.crypto.secagg.shared;

/**
 * Why a round ended without a sum: the phase it was in, what kind of failure it was, and a message
 * with the counts or the client concerned.
 */
public record AbortReason(Phase phase, Cause cause, String message) {

  /** The kind of failure, for metrics and for telling a lying server from bad luck. */
  public enum Cause {
    /** Too few clients, shares or survivors, a missing pairwise mask, a deadline: the protocol's limits. */
    PROTOCOL,
    /** A neighbour's advertisement was unsigned, signed by someone else, or altered: a substituted key. */
    KEY_SUBSTITUTION,
    /** A neighbour's advertisement was made for other round parameters. */
    PARAMETER_MISMATCH,
    /**
     * The server showed this client something its neighbours did not confirm: a survivor list other
     * than the one the client signed or its neighbours signed, a forged or missing confirmation, a graph
     * nonce that does not open its commitment, an advertisement missing from the directory.
     */
    EQUIVOCATION,
    /**
     * A neighbour dealt this client a share it cannot use (undecryptable, outside the field, or not
     * matching its commitment): the client complained, naming the dealer, and left the round.
     */
    BAD_SHARE
  }

  public AbortReason(Phase phase, String message) {
    this(phase, Cause.PROTOCOL, message);
  }

  @Override
  public String toString() {
    return "aborted in " + phase + (cause == Cause.PROTOCOL ? "" : " (" + cause + ")") + ": " + message;
  }
}
