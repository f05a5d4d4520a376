package io.fedmesh.crypto.secagg.server;

import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.List;

/**
 * One phase of the server's round. {@link #onMessage} accumulates (and refuses bad messages without
 * changing anything); {@link #close} ends the phase, when everyone expected has answered or the
 * deadline passed, and yields the next state (STYLE.md 3: fcp's HandleMessage / ProceedToNextRound).
 */
sealed interface ServerState
    permits S0CollectKeys, S0bCollectGraphNonces, S1CollectShares, S2CollectMaskedInput, S2bCollectListSignatures,
        S3CollectUnmasking, ServerCompleted, ServerAborted {

  record Transition(ServerState next, List<Outgoing> outbox) {}

  Phase phase();

  default void onMessage(int from, SecAggMessage message) {
    throw new ProtocolViolation(ProtocolViolation.Code.UNEXPECTED_MESSAGE, from,
        message.getBodyCase() + " is not expected in phase " + phase());
  }

  /** Masked-input phase: the driver gave up {@code client}'s upload; forget what it staged. Elsewhere nothing. */
  default void dropUpload(int client) {
  }

  /** True when every client expected in this phase has answered, so the phase can close early. */
  default boolean everyoneAnswered() {
    return false;
  }

  default Transition close() {
    return new Transition(this, List.of());
  }
}
