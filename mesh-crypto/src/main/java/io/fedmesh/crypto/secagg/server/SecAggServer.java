package io.fedmesh.crypto.secagg.server;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.UnknownFields;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The server's side of one secure-aggregation round, sans-I/O. Feed it each client's messages (with
 * the sender's index, as the authenticated transport established it) and the phase deadlines; send
 * what it returns. A phase closes as soon as every expected client has answered, or at its deadline.
 *
 * <p>Thread-safe. A refused message ({@link ProtocolViolation}) changes nothing but the offender record.
 */
public final class SecAggServer {
  private final ServerContext ctx;
  private ServerState state;
  private final List<ProtocolViolation> violations = new ArrayList<>();
  private final List<Complaint> complaints = new ArrayList<>();

  public SecAggServer(SecAggParameters params) {
    WorkMeter meter = new WorkMeter();
    this.ctx = new ServerContext(params, new RoundKeys(params, meter), meter, violations, complaints);
    this.state = new S0CollectKeys(ctx);
  }

  /**
   * Handles one client message; returns what to send (non-empty when it completed the phase).
   *
   * @throws ProtocolViolation if the message is for another round, out of place or malformed
   */
  public synchronized List<Outgoing> onMessage(int from, SecAggMessage message) {
    try {
      if (message.getRound() != ctx.params().round()) {
        throw new ProtocolViolation(ProtocolViolation.Code.WRONG_ROUND, from,
            "message for round " + message.getRound() + ", this is round " + ctx.params().round());
      }
      UnknownFields.refuse(message, from);
      state.onMessage(from, message);
    } catch (ProtocolViolation v) {
      violations.add(v);
      throw v;
    }
    return state.everyoneAnswered() ? advance() : List.of();
  }

  /** The current phase's deadline passed: close it with whoever has answered. */
  public synchronized List<Outgoing> onDeadline() {
    return advance();
  }

  private List<Outgoing> advance() {
    ServerState.Transition transition = state.close();
    state = transition.next();
    return transition.outbox();
  }

  /**
   * In the masked-input phase: {@code client}'s upload was given up (its slot was taken back, as a driver
   * bounding concurrent uploads does), so the chunks it staged are forgotten now, not at the phase's end,
   * and its later chunks are refused; it counts as dropped. Elsewhere this does nothing.
   */
  public synchronized void dropUpload(int client) {
    state.dropUpload(client);
  }

  /** The expensive work the server has done so far. */
  public synchronized WorkMeter.Work work() {
    return ctx.meter().snapshot();
  }

  /** The most vector data the server has held at once (running sum and staged chunks), in bytes. */
  public synchronized long peakHeldBytes() {
    return ctx.meter().peakHeldBytes();
  }

  public synchronized Phase phase() {
    return state.phase();
  }

  public synchronized Optional<SecAggResult> result() {
    return state instanceof ServerCompleted done ? Optional.of(done.result()) : Optional.empty();
  }

  public synchronized Optional<AbortReason> abortReason() {
    return state instanceof ServerAborted aborted ? Optional.of(aborted.reason()) : Optional.empty();
  }

  /**
   * Every refused message so far, in order, each naming its offender; also every revealed share found
   * altered when a secret was rebuilt (code INCONSISTENT, offender the client that revealed it).
   */
  public synchronized List<ProtocolViolation> violations() {
    return List.copyOf(violations);
  }

  /**
   * Every complaint a holder made about its dealer, with what the evidence showed. A complaint that
   * proves the dealer (or the complainer) at fault is also in {@link #violations()}, with code
   * BAD_DEALING (or INCONSISTENT) and that client as offender; an unproven one is only here.
   */
  public synchronized List<Complaint> complaints() {
    return List.copyOf(complaints);
  }
}
