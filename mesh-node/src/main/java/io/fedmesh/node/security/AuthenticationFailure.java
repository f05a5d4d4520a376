package io.fedmesh.node.security;

/** Why a peer's certificate does not identify a member of the mesh. */
public final class AuthenticationFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** The reason, as a metric label. */
  public enum Reason {
    NO_CERTIFICATE, UNKNOWN_CA, EXPIRED, REVOKED, SAN_MISMATCH,
    /** Not the peer's fault: this node's own revocation list is past its next update and the grace. */
    CRL_EXPIRED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Reason reason;

  public AuthenticationFailure(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
