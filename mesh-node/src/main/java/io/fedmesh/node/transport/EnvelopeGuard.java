package io.fedmesh.node.transport;

import io.fedmesh.crypto.envelope.EnvelopeRejectedException;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.v1.Envelope;
import io.grpc.Status;
import java.time.Clock;
import java.util.Locale;

/**
 * The checks every envelope a node receives passes before its payload counts: well-formed, signed by
 * its sender (who, until relays exist, must be the authenticated caller), addressed to this node,
 * fresh (in the replay window, id never seen), and within its sender's rate limit.
 */
public final class EnvelopeGuard {
  private final NodeId self;
  private final ReplayWindow replay;
  private final Clock clock;
  private final TokenBuckets perSender;
  private final java.util.function.LongSupplier nanos;
  private final java.util.function.Consumer<String> limitReached;

  /** With the default rate limit ({@link io.fedmesh.node.config.NodeConfig.Limits#defaults()}). */
  public EnvelopeGuard(NodeId self, ReplayWindow replay, Clock clock) {
    this(self, replay, clock, new TokenBuckets(io.fedmesh.node.config.NodeConfig.Limits.defaults().envelopesPerSecond(),
        io.fedmesh.node.config.NodeConfig.Limits.defaults().envelopeBurst()), System::nanoTime, limit -> { });
  }

  /**
   * @param perSender envelopes each sender may have accepted, on average and in a burst: beyond, its
   *     envelopes are refused RESOURCE_EXHAUSTED before they take a place in the replay window
   * @param limitReached told {@code envelope_rate} at each such refusal (for a metric)
   */
  public EnvelopeGuard(NodeId self, ReplayWindow replay, Clock clock, TokenBuckets perSender, java.util.function.LongSupplier nanos,
      java.util.function.Consumer<String> limitReached) {
    this.limitReached = limitReached;
    this.self = self;
    this.replay = replay;
    this.clock = clock;
    this.perSender = perSender;
    this.nanos = nanos;
  }

  /** @param callerKey the key of the authenticated peer that sent it */
  public void check(Envelope envelope, VerifyingKey callerKey) throws EnvelopeRefusal {
    try {
      Envelopes.checkStructure(envelope, true);
    } catch (EnvelopeRejectedException e) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
    }
    if (!Envelopes.sender(envelope).equals(callerKey.nodeId())) {
      throw new EnvelopeRefusal(Status.Code.PERMISSION_DENIED, "sender_not_caller",
          "the envelope's sender " + Envelopes.sender(envelope).shortForm() + " is not the caller " + callerKey.nodeId().shortForm());
    }
    if (!Envelopes.recipient(envelope).equals(self)) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "wrong_recipient",
          "the envelope is for " + Envelopes.recipient(envelope).shortForm() + ", not this node");
    }
    // A replay is refused before it costs a verification or its sender's allowance: a relay that
    // replays a genuine envelope must not spend its sender's rate (the relay pays for what it hands over).
    if (replay.seen(Envelopes.sender(envelope), envelope.getMessageId())) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "replayed", "message id already received");
    }
    try {
      Envelopes.verify(envelope, callerKey);
    } catch (EnvelopeRejectedException e) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
    }
    // Charged only once the signature proved the sender: nobody can spend another node's allowance.
    if (!perSender.tryTake(Envelopes.sender(envelope), nanos.getAsLong())) {
      limitReached.accept("envelope_rate");
      throw new EnvelopeRefusal(Status.Code.RESOURCE_EXHAUSTED, "rate_limited",
          "sender " + Envelopes.sender(envelope).shortForm() + " is over its envelope rate limit; slow down and retry");
    }
    switch (replay.check(Envelopes.sender(envelope), envelope.getMessageId(), envelope.getSentAtUnixMillis(), clock.millis())) {
      case OUTSIDE_WINDOW -> throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "outside_window",
          "sent at " + envelope.getSentAtUnixMillis() + ", outside the replay window around " + clock.millis());
      case REPLAYED -> throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "replayed",
          "message id already received");
      case FULL -> throw new EnvelopeRefusal(Status.Code.RESOURCE_EXHAUSTED, "busy",
          "this node is remembering too many recent envelopes (from this sender, or in all); retry shortly");
      case FORGOTTEN -> throw new EnvelopeRefusal(Status.Code.RESOURCE_EXHAUSTED, "busy",
          "sent before the oldest envelope this node still remembers from this sender (it sends the most, and the node is full); resend it anew");
      case FRESH -> { }
    }
  }
}
