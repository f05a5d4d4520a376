package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.List;

/**
 * One state of a client's round (STYLE.md 3: one class per protocol state). A state handles only the
 * events it expects; anything else is refused with {@link ProtocolViolation} and changes nothing. A
 * deadline passing in a waiting state aborts the round for this client.
 */
sealed interface ClientState
    permits R0AdvertiseKeys, R1FixGraph, R1ShareKeys, R2MaskedInput, R3ConsistencyCheck, R3Unmasking, ClientCompleted,
        ClientAborted {

  /** The next state and the messages to send the server. */
  record Transition(ClientState next, List<SecAggMessage> outbox) {
    static Transition to(ClientState next, SecAggMessage... messages) {
      return new Transition(next, List.of(messages));
    }
  }

  Phase phase();

  default Transition start(ClientContext ctx) {
    throw new ProtocolViolation(ProtocolViolation.Code.UNEXPECTED_MESSAGE, -1, "the round has already started");
  }

  default Transition onMessage(ClientContext ctx, SecAggMessage message) {
    throw new ProtocolViolation(ProtocolViolation.Code.UNEXPECTED_MESSAGE, -1,
        message.getBodyCase() + " is not expected in phase " + phase());
  }

  default Transition onDeadline(ClientContext ctx) {
    return Transition.to(new ClientAborted(new AbortReason(phase(), "the phase deadline passed before the server answered")));
  }
}
