package io.fedmesh.node.transport;

import io.grpc.Status;

/** An envelope refused: the gRPC status the stream ends with, and the reason label of the metric. */
public final class EnvelopeRefusal extends Exception {
  private static final long serialVersionUID = 1L;
  private final Status.Code code;
  private final String reason;

  public EnvelopeRefusal(Status.Code code, String reason, String message) {
    super(reason + ": " + message);
    this.code = code;
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  public Status status() {
    return Status.fromCode(code).withDescription(getMessage());
  }
}
