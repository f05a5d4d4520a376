package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.UnmaskEndorsement;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Fenced unmasking: coordinator-eligible nodes sign a committed unmask authorisation, and a participant
 * reveals unmasking shares only when a strict majority of the federation's coordinator-eligible nodes
 * signed the same (federation, round, term, survivors, record). A deposed leader, or one coordinator
 * acting alone, cannot gather that.
 */
public final class UnmaskEndorsements {
  private UnmaskEndorsements() {}

  /** The endorsement of the open round's committed authorisation in {@code ledger}, by {@code key}. */
  public static UnmaskEndorsement endorse(FederationLedger ledger, long round, SigningKey key) {
    OpenRound open = ledger.openRound().filter(OpenRound::unmaskAuthorised)
        .filter(r -> r.round() == round)
        .orElseThrow(() -> new LedgerRefusal("round " + round + " of '" + ledger.federation()
            + "' has no committed unmask authorisation here"));
    long term = ledger.records().get((int) open.unmaskSequence() - 1).getRaftTerm();
    UnmaskEndorsement unsigned = UnmaskEndorsement.newBuilder()
        .setFederation(FederationId.newBuilder().setName(ledger.federation()))
        .setRound(round)
        .setTerm(term)
        .setSurvivorsDigest(open.survivorsDigest().orElseThrow())
        .setRecordHash(open.unmaskRecord().orElseThrow())
        .setEndorser(LedgerActs.toProto(key.verifyingKey().nodeId()))
        .setEndorserKey(ByteString.copyFrom(key.verifyingKey().subjectPublicKeyInfo()))
        .build();
    byte[] signature = key.sign(CanonicalEncoding.signingInput(unsigned, signatureField()));
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /**
   * Checks that a strict majority of {@code coordinators} endorsed unmasking {@code round} of
   * {@code federation} with survivors {@code survivorsDigest}, all for the same record and term.
   *
   * @throws LedgerRefusal saying what is missing
   */
  public static void requireMajority(String federation, long round, ByteString survivorsDigest,
                                     Set<NodeId> coordinators, Collection<UnmaskEndorsement> endorsements) {
    Set<NodeId> endorsers = new TreeSet<>();
    ByteString record = null;
    long term = -1;
    for (UnmaskEndorsement e : endorsements) {
      NodeId endorser = LedgerActs.nodeId(e.getEndorser(), "endorser");
      if (!coordinators.contains(endorser)) {
        continue;
      }
      // A bad or mismatched endorsement counts for nothing; it does not spoil the good ones beside it.
      if (!valid(e, endorser) || !e.getFederation().getName().equals(federation) || e.getRound() != round
          || !e.getSurvivorsDigest().equals(survivorsDigest)) {
        continue;
      }
      if (record == null) {
        record = e.getRecordHash();
        term = e.getTerm();
      } else if (!record.equals(e.getRecordHash()) || term != e.getTerm()) {
        continue;
      }
      endorsers.add(endorser);
    }
    int needed = coordinators.size() / 2 + 1;
    if (endorsers.size() < needed) {
      throw new LedgerRefusal("unmasking round " + round + " needs endorsements of " + needed + " of the "
          + coordinators.size() + " coordinator-eligible nodes; it has " + endorsers.size());
    }
  }

  private static boolean valid(UnmaskEndorsement e, NodeId endorser) {
    try {
      VerifyingKey key = VerifyingKey.fromSubjectPublicKeyInfo(e.getEndorserKey().toByteArray());
      return key.nodeId().equals(endorser)
          && key.verify(CanonicalEncoding.signingInput(e, signatureField()), e.getSignature().toByteArray());
    } catch (RuntimeException bad) {
      return false;
    }
  }

  private static com.google.protobuf.Descriptors.FieldDescriptor signatureField() {
    return UnmaskEndorsement.getDescriptor().findFieldByNumber(UnmaskEndorsement.SIGNATURE_FIELD_NUMBER);
  }
}
