package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.UnknownFields;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.crypto.signature.SigningKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One client's side of one secure-aggregation round, sans-I/O: feed it the server's messages and
 * deadlines, send what it returns. Thread-safe: events are handled one at a time, and the state is
 * replaced only when an event succeeds, so a refused message ({@link ProtocolViolation}) changes nothing.
 */
public final class SecAggClient {
  private final ClientContext ctx;
  private ClientState state = new R0AdvertiseKeys();

  /**
   * @param me this client's index in the cohort
   * @param update the model update, each value in [-clip, clip]
   * @param weight the client's quantised weight, in [0, 2^weightBits - 1]
   * @param random the DRBG (a seeded generator only in tests and simulations)
   */
  public SecAggClient(SecAggParameters params, int me, float[] update, long weight, SecureRandom random) {
    this(params, me, update, weight, random, null);
  }

  /**
   * A client for a round in either mode. In malicious-server mode {@code identity} is required (its
   * node id must be cohort[me]): the client signs its advertisement and the survivor list, verifies
   * every neighbour advertisement it uses and the neighbours' confirmations, and aborts with a typed
   * reason when the server lies. Otherwise {@code identity} must be null.
   */
  public SecAggClient(SecAggParameters params, int me, float[] update, long weight, SecureRandom random,
      SigningKey identity) {
    this(params, me, checkFloatMode(params, update), null, weight, random, identity);
  }

  private static float[] checkFloatMode(SecAggParameters params, float[] update) {
    if (params.integerBits() != 0) {
      throw new IllegalArgumentException("this round sums integers the clients encode themselves (integer_bits "
          + params.integerBits() + "): give the client its encoding, not floats");
    }
    return update;
  }

  /**
   * A client of an integer-mode round ({@code integer_bits} > 0): its input is already encoded (the
   * distributed discrete Gaussian), each word in [0, 2^integer_bits), and it weighs 1.
   */
  public SecAggClient(SecAggParameters params, int me, int[] encoded, SecureRandom random, SigningKey identity) {
    this(params, me, null, checkEncoded(params, encoded), 1, random, identity);
  }

  private static int[] checkEncoded(SecAggParameters params, int[] encoded) {
    if (params.integerBits() == 0) {
      throw new IllegalArgumentException("this round quantises float updates: an encoded input needs integer_bits > 0");
    }
    if (encoded.length != params.vectorLength()) {
      throw new IllegalArgumentException("the encoding has " + encoded.length + " words, the round expects " + params.vectorLength());
    }
    long limit = 1L << params.integerBits();
    for (int i = 0; i < encoded.length; i++) {
      if ((encoded[i] & 0xFFFF_FFFFL) >= limit) {
        throw new IllegalArgumentException("word " + i + " of the encoding is not below 2^" + params.integerBits());
      }
    }
    return encoded.clone();
  }

  private SecAggClient(SecAggParameters params, int me, float[] update, int[] encoded, long weight, SecureRandom random,
      SigningKey identity) {
    if (me < 0 || me >= params.clients()) {
      throw new IllegalArgumentException("client index " + me + " is outside the cohort of " + params.clients());
    }
    if (update != null && update.length != params.vectorLength()) {
      throw new IllegalArgumentException("update has " + update.length + " values, the round expects " + params.vectorLength());
    }
    if (weight < 0 || weight > params.quantizer().maxWeight()) {
      throw new IllegalArgumentException("weight must be in [0, " + params.quantizer().maxWeight() + "], got " + weight);
    }
    if (params.maliciousServer() != (identity != null)) {
      throw new IllegalArgumentException(params.maliciousServer()
          ? "a malicious-server round needs the client's identity key" : "identity keys are used only in malicious-server rounds");
    }
    WorkMeter meter = new WorkMeter();
    if (identity != null && !Arrays.equals(identity.verifyingKey().nodeId().toBytes(),
        params.config().getCohort(me).getSha256().toByteArray())) {
      throw new IllegalArgumentException("the identity key's node id is not cohort[" + me + "]");
    }
    this.ctx = new ClientContext(params, me, update, encoded, weight, random, new RoundKeys(params, meter), meter, identity);
  }

  /** Starts the round: returns the key advertisement to send. */
  public synchronized List<SecAggMessage> start() {
    return apply(state.start(ctx));
  }

  /**
   * Handles one message from the server; returns the messages to send back (maybe none).
   *
   * @throws ProtocolViolation if the message is for another round, out of place or malformed; the
   *     client's state is unchanged
   */
  public synchronized List<SecAggMessage> onMessage(SecAggMessage message) {
    if (message.getRound() != ctx.params().round()) {
      throw new ProtocolViolation(ProtocolViolation.Code.WRONG_ROUND, -1,
          "message for round " + message.getRound() + ", this is round " + ctx.params().round());
    }
    UnknownFields.refuse(message, -1);
    return apply(state.onMessage(ctx, message));
  }

  /** The current phase's deadline passed: a client still waiting aborts. */
  public synchronized void onDeadline() {
    apply(state.onDeadline(ctx));
  }

  /** The expensive work this client has done so far. */
  public synchronized WorkMeter.Work work() {
    return ctx.meter().snapshot();
  }

  public synchronized Phase phase() {
    return state.phase();
  }

  public synchronized boolean completed() {
    return state instanceof ClientCompleted;
  }

  public synchronized Optional<AbortReason> abortReason() {
    return state instanceof ClientAborted aborted ? Optional.of(aborted.reason()) : Optional.empty();
  }

  /** The current state: for tests in this package that play a dishonest client. */
  synchronized ClientState state() {
    return state;
  }

  private List<SecAggMessage> apply(ClientState.Transition transition) {
    state = transition.next();
    return transition.outbox();
  }
}
