package io.fedmesh.coordinator.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LeaderAnnounced;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.ModelVersion;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.ProposalVote;
import io.fedmesh.proto.v1.RdpCharge;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.RoundCommitted;
import io.fedmesh.proto.v1.RoundStarted;
import io.fedmesh.proto.v1.UnmaskAuthorised;
import io.fedmesh.proto.v1.UnmaskEndorsement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FederationLedgerTest {
  static final String FED = "card-fraud";
  final SigningKey admin1 = key(1);
  final SigningKey admin2 = key(2);
  final SigningKey admin3 = key(3);
  final SigningKey coord1 = key(11);
  final SigningKey coord2 = key(12);
  final SigningKey coord3 = key(13);
  final SigningKey part1 = key(21);
  final SigningKey part2 = key(22);
  final SigningKey outsider = key(99);

  static SigningKey key(long seed) {
    return SigningKey.generate(SimulationRandom.fromSeed(seed));
  }

  static LedgerMember member(SigningKey key, String raft, Role... roles) {
    LedgerMember.Builder m = LedgerMember.newBuilder()
        .setNode(LedgerActs.toProto(key.verifyingKey().nodeId()))
        .setIdentityKey(ByteString.copyFrom(key.verifyingKey().subjectPublicKeyInfo()));
    List.of(roles).stream().sorted(Comparator.comparingInt(Role::getNumber)).forEach(m::addRoles);
    if (raft != null) {
      m.setRaftAddress(raft);
    }
    return m.build();
  }

  static LedgerAct.Builder act(long term) {
    return LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED)).setTerm(term).setTimeMillis(1);
  }

  FederationLedger genesis(int approvals, double epsilon) {
    List<LedgerMember> ms = new ArrayList<>(List.of(
        member(admin1, null, Role.ROLE_ADMIN), member(admin2, null, Role.ROLE_ADMIN), member(admin3, null, Role.ROLE_ADMIN),
        member(coord1, "127.0.0.1:7401", Role.ROLE_COORDINATOR_ELIGIBLE),
        member(coord2, "127.0.0.1:7402", Role.ROLE_COORDINATOR_ELIGIBLE),
        member(coord3, "127.0.0.1:7403", Role.ROLE_COORDINATOR_ELIGIBLE),
        member(part1, null, Role.ROLE_PARTICIPANT), member(part2, null, Role.ROLE_PARTICIPANT)));
    ms.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    FederationLedger ledger = new FederationLedger(FED);
    LedgerReply r = ledger.apply(1, LedgerActs.sign(act(0).setGenesis(Genesis.newBuilder().addAllMembers(ms)
        .setApprovalsRequired(approvals)
        .setBudget(PrivacyBudget.newBuilder().setEpsilon(epsilon).setDelta(epsilon > 0 ? 1e-5 : 0))), admin1));
    assertTrue(r.getAccepted(), r.getReason());
    return ledger;
  }

  LedgerReply propose(FederationLedger l, SigningKey by, Proposal p) {
    return l.apply(1, LedgerActs.sign(act(0).setProposal(p), by));
  }

  LedgerReply vote(FederationLedger l, SigningKey by, ByteString id, boolean approve) {
    return l.apply(1, LedgerActs.sign(act(0).setVote(ProposalVote.newBuilder().setProposal(id).setApprove(approve)), by));
  }

  static void refused(LedgerReply r, String containing) {
    assertFalse(r.getAccepted(), "should have been refused");
    assertTrue(r.getReason().contains(containing), r.getReason());
  }

  @Test
  void memberJoinsOnlyWithMApprovals() {
    FederationLedger l = genesis(2, 0);
    SigningKey newcomer = key(30);
    LedgerReply p = propose(l, admin1, Proposal.newBuilder().setAddMember(member(newcomer, null, Role.ROLE_PARTICIPANT)).setReason("bank C joins").build());
    assertTrue(p.getAccepted(), p.getReason());
    // M - 1 = 1 approval (the proposer's): not a member yet.
    assertTrue(l.rolesOf(newcomer.verifyingKey().nodeId()).isEmpty());
    assertEquals(ProposalStatus.Outcome.OPEN, l.proposal(p.getRecordHash()).orElseThrow().outcome());
    refused(vote(l, admin1, p.getRecordHash(), true), "voted");
    refused(vote(l, coord1, p.getRecordHash(), true), "not admin");
    refused(vote(l, outsider, p.getRecordHash(), true), "not admin");
    assertTrue(vote(l, admin2, p.getRecordHash(), true).getAccepted());
    assertEquals(Set.of(Role.ROLE_PARTICIPANT), l.rolesOf(newcomer.verifyingKey().nodeId()));
    assertEquals(ProposalStatus.Outcome.COMMITTED, l.proposal(p.getRecordHash()).orElseThrow().outcome());
    refused(vote(l, admin3, p.getRecordHash(), true), "committed already");
  }

  @Test
  void aReplayedActIsRefusedEvenAfterTheStateItChangedIsBack() {
    FederationLedger l = genesis(1, 0);
    // With M = 1 an admin's proposal commits at once; replaying it later must not enact it again.
    LedgerAct remove = LedgerActs.sign(act(0).setProposal(Proposal.newBuilder().setRemoveMember(
        LedgerActs.toProto(part1.verifyingKey().nodeId()))), admin1);
    assertTrue(l.apply(1, remove).getAccepted());
    assertTrue(l.rolesOf(part1.verifyingKey().nodeId()).isEmpty());
    assertTrue(propose(l, admin2, Proposal.newBuilder().setAddMember(member(part1, null, Role.ROLE_PARTICIPANT)).build()).getAccepted());
    assertEquals(Set.of(Role.ROLE_PARTICIPANT), l.rolesOf(part1.verifyingKey().nodeId()));
    refused(l.apply(1, remove), "replay");
    assertEquals(Set.of(Role.ROLE_PARTICIPANT), l.rolesOf(part1.verifyingKey().nodeId()));
  }

  @Test
  void rejectionsEndAProposalOnceMIsOutOfReach() {
    FederationLedger l = genesis(2, 0);
    LedgerReply p = propose(l, admin1, Proposal.newBuilder().setRemoveMember(LedgerActs.toProto(part1.verifyingKey().nodeId())).build());
    assertTrue(vote(l, admin2, p.getRecordHash(), false).getAccepted());
    assertEquals(ProposalStatus.Outcome.OPEN, l.proposal(p.getRecordHash()).orElseThrow().outcome());
    assertTrue(vote(l, admin3, p.getRecordHash(), false).getAccepted());
    assertEquals(ProposalStatus.Outcome.REJECTED, l.proposal(p.getRecordHash()).orElseThrow().outcome());
    assertEquals(Set.of(Role.ROLE_PARTICIPANT), l.rolesOf(part1.verifyingKey().nodeId()));
  }

  @Test
  void forgedWrongFederationAndStaleActsAreRefusedWithoutChangingState() {
    FederationLedger l = genesis(1, 0);
    ByteString head = l.headHash();
    LedgerAct good = LedgerActs.sign(act(0).setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1);
    // A signature by one key presented as another's.
    LedgerAct forged = good.toBuilder().setAuthor(LedgerActs.toProto(admin2.verifyingKey().nodeId())).build();
    refused(l.apply(1, forged), "does not hash");
    LedgerAct swapped = good.toBuilder().setAuthor(LedgerActs.toProto(admin2.verifyingKey().nodeId()))
        .setAuthorKey(ByteString.copyFrom(admin2.verifyingKey().subjectPublicKeyInfo())).build();
    refused(l.apply(1, swapped), "does not verify");
    LedgerAct tampered = good.toBuilder().setProposal(Proposal.newBuilder().setApprovalsRequired(3)).build();
    refused(l.apply(1, tampered), "does not verify");
    refused(l.apply(1, LedgerActs.sign(act(0).setFederation(FederationId.newBuilder().setName("other"))
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1)), "federation 'other'");
    refused(l.apply(1, LedgerActs.sign(act(0).setSeenSequence(1).setSeenHash(ByteString.copyFrom(new byte[32]))
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1)), "seen hash");
    refused(l.apply(1, LedgerActs.sign(act(0).setGenesis(Genesis.getDefaultInstance()), admin1)), "already has its genesis");
    refused(propose(l, admin1, Proposal.newBuilder().setApprovalsRequired(4).build()), "approvals required");
    assertEquals(head, l.headHash());
    assertEquals(1, l.approvalsRequired());
    assertTrue(l.apply(1, good).getAccepted());
    assertEquals(2, l.approvalsRequired());
  }

  static final ByteString M0 = ByteString.copyFrom(new byte[32]);

  static ByteString hash(int b) {
    byte[] h = new byte[32];
    h[0] = (byte) b;
    return ByteString.copyFrom(h);
  }

  LedgerReply lead(FederationLedger l, SigningKey who, long term) {
    return l.apply(term, LedgerActs.sign(act(term).setLeader(LeaderAnnounced.getDefaultInstance()), who));
  }

  RoundStarted start(long round, ByteString base, double rdp) {
    List<io.fedmesh.proto.v1.NodeId> cohort = new ArrayList<>(List.of(LedgerActs.toProto(part1.verifyingKey().nodeId()),
        LedgerActs.toProto(part2.verifyingKey().nodeId())));
    cohort.sort(Comparator.comparing(n -> NodeId.ofBytes(n.getSha256().toByteArray())));
    RoundStarted.Builder s = RoundStarted.newBuilder().setRound(round).setBaseModel(base).addAllCohort(cohort);
    if (rdp > 0) {
      RdpCharge.Builder c = RdpCharge.newBuilder().addAllOrders(io.fedmesh.ml.privacy.RdpAccountant.DEFAULT_ORDERS);
      io.fedmesh.ml.privacy.RdpAccountant.DEFAULT_ORDERS.forEach(order -> c.addRdp(rdp));
      s.setCharge(c);
    }
    return s.build();
  }

  @Test
  void roundsAreFencedByTermAndANewLeaderAbortsTheOpenRound() {
    FederationLedger l = genesis(1, 5);
    refused(lead(l, part1, 2), "not coordinator-eligible");
    assertTrue(lead(l, coord1, 2).getAccepted());
    refused(lead(l, coord2, 2), "has a coordinator already");
    // A follower that submits its own announcement first: the term's leader appended the entry, not it.
    refused(l.apply(3, coord1.verifyingKey().nodeId().hex(), LedgerActs.sign(act(3).setLeader(LeaderAnnounced.getDefaultInstance()),
        coord3)), "only the Raft leader announces itself");
    // Only the announced leader starts rounds.
    refused(l.apply(2, LedgerActs.sign(act(2).setRoundStarted(start(1, M0, 0.1)), coord2)), "coordinator of term 2");
    assertTrue(l.apply(2, LedgerActs.sign(act(2).setRoundStarted(start(1, M0, 0.1)), coord1)).getAccepted());
    assertEquals(1, l.openRound().orElseThrow().round());
    // coord2 wins term 3; coord1, deposed, still tries to unmask: its act of term 2 lands in a term-3 entry.
    assertTrue(lead(l, coord2, 3).getAccepted());
    refused(l.apply(3, LedgerActs.sign(act(2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1)), "fenced");
    refused(l.apply(3, LedgerActs.sign(act(3).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1)), "coordinator of term 3");
    // The new coordinator cannot start while the old round is open; it aborts it, with the reason on the chain.
    refused(l.apply(3, LedgerActs.sign(act(3).setRoundStarted(start(2, M0, 0.1)), coord2)), "still open");
    assertTrue(l.apply(3, LedgerActs.sign(act(3).setRoundAborted(io.fedmesh.proto.v1.RoundAborted.newBuilder().setRound(1)
        .setReason("coordinator changed to coord2 in term 3 before the round committed")), coord2)).getAccepted());
    assertTrue(l.openRound().isEmpty());
    assertFalse(l.outcomes().get(0).committed());
    assertTrue(l.outcomes().get(0).reason().contains("coordinator changed"), l.outcomes().get(0).reason());
    assertEquals(1, l.roundsWanted(), "the aborted round runs again");
    assertEquals(0, l.spent().getRdpCount());
    // The new leader re-runs as round 2 from the same base, unmasks (spending the charge) and commits.
    refused(l.apply(3, LedgerActs.sign(act(3).setRoundStarted(start(1, M0, 0.1)), coord2)), "next round is 2");
    assertTrue(l.apply(3, LedgerActs.sign(act(3).setRoundStarted(start(2, M0, 0.1)), coord2)).getAccepted());
    refused(l.apply(3, LedgerActs.sign(act(3).setRoundCommitted(RoundCommitted.newBuilder().setRound(2)
        .setModel(ModelVersion.newBuilder().setSha256(hash(7)).setSizeBytes(10).setParent(M0).setRound(2))), coord2)), "never authorised");
    assertTrue(l.apply(3, LedgerActs.sign(act(3).setUnmask(UnmaskAuthorised.newBuilder().setRound(2).setSurvivorsDigest(hash(1))), coord2)).getAccepted());
    assertTrue(l.spent().getRdpList().stream().allMatch(v -> v == 0.1), "the charge is spent once, at unmasking");
    refused(l.apply(3, LedgerActs.sign(act(3).setRoundCommitted(RoundCommitted.newBuilder().setRound(2)
        .setModel(ModelVersion.newBuilder().setSha256(hash(7)).setSizeBytes(10).setParent(hash(9)).setRound(2))), coord2)), "parent");
    assertTrue(l.apply(3, LedgerActs.sign(act(3).setRoundCommitted(RoundCommitted.newBuilder().setRound(2)
        .setModel(ModelVersion.newBuilder().setSha256(hash(7)).setSizeBytes(10).setParent(M0).setRound(2).setEvaluationExamples(5).setAccuracy(0.9))), coord2)).getAccepted());
    assertEquals(hash(7), l.lastModel().orElseThrow().getSha256());
    // The next round must train from the committed model.
    refused(l.apply(3, LedgerActs.sign(act(3).setRoundStarted(start(3, M0, 0.1)), coord2)), "last committed model");
    assertTrue(l.apply(3, LedgerActs.sign(act(3).setRoundStarted(start(3, hash(7), 0.1)), coord2)).getAccepted());
  }

  @Test
  void auditChainVerifiesAndNamesTheFirstBadRecord() throws Exception {
    FederationLedger l = genesis(2, 0);
    LedgerReply p = propose(l, admin1, Proposal.newBuilder().setApprovalsRequired(1).build());
    vote(l, admin2, p.getRecordHash(), true);
    lead(l, coord1, 4);
    l.apply(4, LedgerActs.sign(act(4).setRoundStarted(start(1, M0, 0)), coord1));
    List<LedgerRecord> records = List.copyOf(l.records());
    assertEquals(5, records.size());
    assertTrue(AuditChain.verify(FED, records).isEmpty());
    assertEquals(l.headHash(), AuditChain.replay(FED, records).headHash());

    // A flipped byte in the approval's signature.
    List<LedgerRecord> bad = new ArrayList<>(records);
    byte[] sig = bad.get(2).getAct().getSignature().toByteArray();
    sig[10] ^= 1;
    bad.set(2, bad.get(2).toBuilder().setAct(bad.get(2).getAct().toBuilder().setSignature(ByteString.copyFrom(sig))).build());
    assertEquals(3, AuditChain.verify(FED, bad).orElseThrow().sequence());
    // A record dropped from the middle.
    bad = new ArrayList<>(records);
    bad.remove(1);
    assertEquals(2, AuditChain.verify(FED, bad).orElseThrow().sequence());
    // A rewritten Raft term (would un-fence a deposed leader's act).
    bad = new ArrayList<>(records);
    bad.set(3, bad.get(3).toBuilder().setRaftTerm(5).build());
    assertEquals(4, AuditChain.verify(FED, bad).orElseThrow().sequence());
    // A broken back-link.
    bad = new ArrayList<>(records);
    bad.set(4, bad.get(4).toBuilder().setPreviousHash(hash(3)).build());
    assertEquals(5, AuditChain.verify(FED, bad).orElseThrow().sequence());
  }

  @Test
  void unmaskingNeedsAMajorityOfCoordinatorEndorsementsOfTheCommittedRecord() {
    FederationLedger l = genesis(1, 0);
    lead(l, coord1, 2);
    l.apply(2, LedgerActs.sign(act(2).setRoundStarted(start(1, M0, 0)), coord1));
    assertThrows(LedgerRefusal.class, () -> UnmaskEndorsements.endorse(l, 1, coord2), "nothing to endorse before the record commits");
    assertTrue(l.apply(2, LedgerActs.sign(act(2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(5))), coord1)).getAccepted());
    Set<NodeId> coordinators = new TreeSet<>(List.of(coord1.verifyingKey().nodeId(), coord2.verifyingKey().nodeId(), coord3.verifyingKey().nodeId()));
    UnmaskEndorsement e1 = UnmaskEndorsements.endorse(l, 1, coord1);
    UnmaskEndorsement e2 = UnmaskEndorsements.endorse(l, 1, coord2);
    UnmaskEndorsements.requireMajority(FED, 1, hash(5), coordinators, List.of(e1, e2));
    // The leader alone, or twice, or with an outsider's endorsement, is not a majority.
    assertThrows(LedgerRefusal.class, () -> UnmaskEndorsements.requireMajority(FED, 1, hash(5), coordinators, List.of(e1, e1)));
    assertThrows(LedgerRefusal.class, () -> UnmaskEndorsements.requireMajority(FED, 1, hash(5), coordinators,
        List.of(e1, UnmaskEndorsements.endorse(l, 1, outsider))));
    // Another survivor list than the participant saw.
    assertThrows(LedgerRefusal.class, () -> UnmaskEndorsements.requireMajority(FED, 1, hash(6), coordinators, List.of(e1, e2)));
    UnmaskEndorsement tampered = e2.toBuilder().setRound(2).build();
    assertThrows(LedgerRefusal.class, () -> UnmaskEndorsements.requireMajority(FED, 2, hash(5), coordinators, List.of(e1, tampered)));
  }
}
