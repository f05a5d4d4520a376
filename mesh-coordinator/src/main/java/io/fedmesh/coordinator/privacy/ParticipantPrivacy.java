package io.fedmesh.coordinator.privacy;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.RoundPlan;
import java.util.Optional;

/**
 * What a participant's round engine charges its rounds of one federation with: the node's ledger,
 * this participant's number of training examples there, and the accountant of the distributed
 * discrete Gaussian ({@link DdgAccounting#FULL} on nodes and in simulations).
 */
public record ParticipantPrivacy(ParticipantLedger ledger, long localExamples, DdgAccounting ddg) {

  /** @see ParticipantLedger#chargeBeforeAccepting */
  public Optional<String> chargeBeforeAccepting(String federation, long round, NodeId coordinator, RoundPlan plan,
      PrivacyCap cap) {
    return ledger.chargeBeforeAccepting(federation, round, coordinator, plan, localExamples, ddg, cap);
  }
}
