package io.fedmesh.coordinator.ledger;

import static io.fedmesh.coordinator.ledger.FederationLedgerTest.M0;
import static io.fedmesh.coordinator.ledger.FederationLedgerTest.hash;
import static io.fedmesh.coordinator.ledger.FederationLedgerTest.key;
import static io.fedmesh.coordinator.ledger.FederationLedgerTest.member;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.BudgetRefused;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LeaderAnnounced;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerSnapshot;
import io.fedmesh.proto.v1.ModelVersion;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.ProposalVote;
import io.fedmesh.proto.v1.RdpCharge;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.RoundAborted;
import io.fedmesh.proto.v1.RoundCommitted;
import io.fedmesh.proto.v1.RoundStarted;
import io.fedmesh.proto.v1.UnmaskAuthorised;
import io.fedmesh.ml.privacy.RdpAccountant;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Red team of the federation ledger's state machine and audit chain: a malicious admin or member forging,
 * altering and replaying acts, a lying or deposed coordinator, and tampering with stored records. Each
 * test asserts the defence; a {@code @Disabled} one names a hole that exists (the reason says what).
 */
class LedgerRedTeamTest {
  static final String FED = FederationLedgerTest.FED;
  /** The order of P-256's base point: s and n - s are both valid ECDSA signatures. */
  static final BigInteger N = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  final SigningKey admin1 = key(1);
  final SigningKey admin2 = key(2);
  final SigningKey admin3 = key(3);
  final SigningKey coord1 = key(11);
  final SigningKey coord2 = key(12);
  final SigningKey coord3 = key(13);
  final SigningKey part1 = key(21);
  final SigningKey part2 = key(22);
  final SigningKey part3 = key(23);
  final SigningKey outsider = key(99);

  // ---- fixture ----

  List<LedgerMember> members() {
    List<LedgerMember> ms = new ArrayList<>(List.of(
        member(admin1, null, Role.ROLE_ADMIN), member(admin2, null, Role.ROLE_ADMIN), member(admin3, null, Role.ROLE_ADMIN),
        member(coord1, "127.0.0.1:7401", Role.ROLE_COORDINATOR_ELIGIBLE),
        member(coord2, "127.0.0.1:7402", Role.ROLE_COORDINATOR_ELIGIBLE),
        member(coord3, "127.0.0.1:7403", Role.ROLE_COORDINATOR_ELIGIBLE),
        member(part1, null, Role.ROLE_PARTICIPANT), member(part2, null, Role.ROLE_PARTICIPANT),
        member(part3, null, Role.ROLE_PARTICIPANT)));
    ms.sort(Comparator.comparing(m -> id(m)));
    return ms;
  }

  static NodeId id(LedgerMember m) {
    return NodeId.ofBytes(m.getNode().getSha256().toByteArray());
  }

  static LedgerAct.Builder act(long term) {
    return FederationLedgerTest.act(term);
  }

  /** An act that saw {@code l}'s head, as the CLI and the node sign them. */
  static LedgerAct.Builder seeing(FederationLedger l, long term) {
    LedgerAct.Builder a = act(term).setSeenSequence(l.headSequence());
    if (l.headSequence() > 0) {
      a.setSeenHash(l.headHash());
    }
    return a;
  }

  static Genesis.Builder genesisBody(List<LedgerMember> members, int approvals, double epsilon) {
    return Genesis.newBuilder().addAllMembers(members).setApprovalsRequired(approvals)
        .setBudget(PrivacyBudget.newBuilder().setEpsilon(epsilon).setDelta(epsilon > 0 ? 1e-5 : 0));
  }

  FederationLedger genesis(int approvals, double epsilon) {
    FederationLedger l = new FederationLedger(FED);
    accepted(l.apply(1, LedgerActs.sign(act(0).setGenesis(genesisBody(members(), approvals, epsilon)), admin1)));
    return l;
  }

  static LedgerReply accepted(LedgerReply r) {
    assertTrue(r.getAccepted(), () -> "should have been accepted: " + r.getReason());
    return r;
  }

  static void refused(LedgerReply r, String containing) {
    assertFalse(r.getAccepted(), "should have been refused (" + containing + ")");
    assertTrue(r.getReason().contains(containing), () -> "reason '" + r.getReason() + "' lacks '" + containing + "'");
  }

  /** Applies and expects a refusal that leaves the ledger exactly as it was. */
  static void refusedUnchanged(FederationLedger l, long term, LedgerAct act, String containing) {
    ByteString head = l.headHash();
    byte[] before = snapshot(l);
    LedgerReply r = assertDoesNotThrow(() -> l.apply(term, act), "a bad act is refused by the reply, never by throwing");
    refused(r, containing);
    assertEquals(head, l.headHash());
    assertArrayEquals(before, snapshot(l), "a refused act changes nothing");
  }

  static byte[] snapshot(FederationLedger l) {
    return LedgerSnapshot.newBuilder().addAllRecords(l.records()).build().toByteArray();
  }

  LedgerReply propose(FederationLedger l, SigningKey by, Proposal.Builder p) {
    return l.apply(1, LedgerActs.sign(seeing(l, 0).setProposal(p), by));
  }

  LedgerReply vote(FederationLedger l, SigningKey by, ByteString id, boolean approve) {
    return l.apply(1, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(id).setApprove(approve)), by));
  }

  static io.fedmesh.proto.v1.NodeId pid(SigningKey k) {
    return LedgerActs.toProto(k.verifyingKey().nodeId());
  }

  LedgerReply lead(FederationLedger l, SigningKey who, long term) {
    return l.apply(term, LedgerActs.sign(seeing(l, term).setLeader(LeaderAnnounced.getDefaultInstance()), who));
  }

  List<io.fedmesh.proto.v1.NodeId> cohort(SigningKey... keys) {
    List<io.fedmesh.proto.v1.NodeId> c = new ArrayList<>();
    for (SigningKey k : keys) {
      c.add(pid(k));
    }
    c.sort(Comparator.comparing(n -> NodeId.ofBytes(n.getSha256().toByteArray())));
    return c;
  }

  static RdpCharge charge(double[] orders, double[] rdp) {
    RdpCharge.Builder c = RdpCharge.newBuilder();
    Arrays.stream(orders).forEach(c::addOrders);
    Arrays.stream(rdp).forEach(c::addRdp);
    return c.build();
  }

  RoundStarted.Builder start(long round, ByteString base, RdpCharge charge) {
    return RoundStarted.newBuilder().setRound(round).setBaseModel(base).addAllCohort(cohort(part1, part2)).setCharge(charge);
  }

  LedgerReply coordinate(FederationLedger l, SigningKey by, long term, UnaryOperator<LedgerAct.Builder> body) {
    return l.apply(term, LedgerActs.sign(body.apply(seeing(l, term)), by));
  }

  static ModelVersion.Builder model(long round, ByteString sha, ByteString parent) {
    return ModelVersion.newBuilder().setRound(round).setSha256(sha).setParent(parent).setSizeBytes(100).setContributors(2);
  }

  /** The orders the ledger accepts charges at (the accountant's). */
  static final double[] ORDERS = RdpAccountant.DEFAULT_ORDERS.stream().mapToDouble(Double::doubleValue).toArray();

  /** A Gaussian-like charge at the accountant's orders: {@code scale * order}. */
  static RdpCharge linear(double scale) {
    return charge(ORDERS, Arrays.stream(ORDERS).map(a -> scale * a).toArray());
  }

  static final RdpCharge SMALL = linear(0.005);

  // =====================================================================================================
  // 1. A malicious admin or member
  // =====================================================================================================

  @Test
  void aMalleatedSignatureVerifiesButTheActStillCountsOnce() {
    FederationLedger l = genesis(2, 0);
    LedgerAct p = LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setRemoveMember(pid(part1))), admin1);
    LedgerReply r = accepted(l.apply(1, p));
    // s -> n - s: the signature of the very same content, in other bytes.
    byte[] sig = p.getSignature().toByteArray();
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] flipped = N.subtract(s).toByteArray();
    byte[] malleated = Arrays.copyOf(sig, 64);
    Arrays.fill(malleated, 32, 64, (byte) 0);
    System.arraycopy(flipped, Math.max(0, flipped.length - 32), malleated, 64 - Math.min(32, flipped.length), Math.min(32, flipped.length));
    LedgerAct twin = p.toBuilder().setSignature(ByteString.copyFrom(malleated)).build();
    assertTrue(admin1.verifyingKey().verify(CanonicalEncoding.signingInput(twin,
        LedgerAct.getDescriptor().findFieldByNumber(LedgerAct.SIGNATURE_FIELD_NUMBER)), malleated), "high-s is accepted by verify");
    refusedUnchanged(l, 1, twin, "replay");
    // Nor may the malleated twin vote a second time on behalf of its author.
    LedgerAct v = LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(r.getRecordHash()).setApprove(true)), admin2);
    assertEquals(ProposalStatus.Outcome.OPEN, l.proposal(r.getRecordHash()).orElseThrow().outcome());
    accepted(l.apply(1, v));
    assertTrue(l.rolesOf(part1.verifyingKey().nodeId()).isEmpty());
  }

  @Test
  void unknownFieldsAnywhereInAnActAreRefused() {
    FederationLedger l = genesis(1, 0);
    LedgerAct good = LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1);
    UnknownFieldSet extra = UnknownFieldSet.newBuilder().addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
    refusedUnchanged(l, 1, good.toBuilder().setUnknownFields(extra).build(), "canonical");
    LedgerAct nested = good.toBuilder().setProposal(good.getProposal().toBuilder().setUnknownFields(extra)).build();
    refusedUnchanged(l, 1, nested, "canonical");
    // A re-ordered wire encoding of the same act parses to the same act: it is the same act, counted once.
    accepted(l.apply(1, good));
    byte[] wire = good.toByteArray();
    LedgerAct reparsed = assertDoesNotThrow(() -> LedgerAct.parseFrom(reverseFieldOrder(good)));
    assertEquals(good, reparsed);
    assertFalse(Arrays.equals(wire, reverseFieldOrder(good)));
    refusedUnchanged(l, 1, reparsed, "replay");
  }

  /** The act's top-level fields on the wire in descending field-number order. */
  static byte[] reverseFieldOrder(LedgerAct act) {
    List<byte[]> fields = new ArrayList<>();
    for (var e : act.getAllFields().entrySet()) {
      LedgerAct one = LedgerAct.newBuilder().setField(e.getKey(), e.getValue()).build();
      fields.add(0, one.toByteArray());
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    fields.forEach(out::writeBytes);
    return out.toByteArray();
  }

  @Test
  void wrongFederationFutureAndMislinkedSeenAreRefusedStaleSeenIsAVouchOnly() {
    FederationLedger l = genesis(1, 0);
    accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(part2))));
    // The same body for another federation, a sibling name, an empty name.
    for (String other : List.of("card-fraud-2", "", "Card-Fraud")) {
      refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setFederation(FederationId.newBuilder().setName(other))
          .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1), "federation");
    }
    // Saw a record the chain does not have yet.
    refusedUnchanged(l, 1, LedgerActs.sign(act(0).setSeenSequence(3).setSeenHash(l.headHash())
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1), "saw record 3");
    // Saw record 1 but names another hash; saw nothing but names a hash.
    refusedUnchanged(l, 1, LedgerActs.sign(act(0).setSeenSequence(1).setSeenHash(l.headHash())
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1), "seen hash");
    refusedUnchanged(l, 1, LedgerActs.sign(act(0).setSeenHash(l.headHash())
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1), "seen hash");
    // A stale but true view (record 1 of 2) is accepted: seen_* is the author's vouch for that history, not a freshness check.
    accepted(l.apply(1, LedgerActs.sign(act(0).setSeenSequence(1).setSeenHash(l.hashOf(1))
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1)));
  }

  @Test
  void aSeenSequenceAbove2To63IsRefusedNotThrown() {
    FederationLedger l = genesis(1, 0);
    for (long seen : new long[] {-1L, Long.MIN_VALUE, -2L}) {
      // A participant (not even an admin) and an outsider both reach the crash.
      for (SigningKey by : List.of(part1, outsider)) {
        refusedUnchanged(l, 1, LedgerActs.sign(act(0).setSeenSequence(seen).setProposal(Proposal.newBuilder()
            .setApprovalsRequired(2)), by), "");
      }
    }
    // 0xFFFFFFFF00000001 truncates to (int) 1: the act is accepted as having 'seen' record 18446744069414584321.
    refusedUnchanged(l, 1, LedgerActs.sign(act(0).setSeenSequence(0xFFFFFFFF00000001L).setSeenHash(l.hashOf(1))
        .setProposal(Proposal.newBuilder().setApprovalsRequired(2)), admin1), "saw record");
  }

  @Test
  void votesCountOncePerAdminAndOnlyTheirOwn() {
    FederationLedger l = genesis(3, 0);
    ByteString p = accepted(propose(l, admin1, Proposal.newBuilder().setAddMember(member(outsider, null, Role.ROLE_PARTICIPANT))))
        .getRecordHash();
    // The proposer votes again (approve, or flip to reject).
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(p).setApprove(true)), admin1), "voted");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(p).setApprove(false)), admin1), "voted");
    // admin1 votes for admin2: its own signature under admin2's name, or admin2's key presented with admin1's signature.
    LedgerAct mine = LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(p).setApprove(true)), admin1);
    refusedUnchanged(l, 1, mine.toBuilder().setAuthor(pid(admin2)).build(), "does not hash");
    refusedUnchanged(l, 1, mine.toBuilder().setAuthor(pid(admin2))
        .setAuthorKey(ByteString.copyFrom(admin2.verifyingKey().subjectPublicKeyInfo())).build(), "does not verify");
    // Non-admins: a coordinator, a participant, an outsider; and a vote on a proposal that does not exist.
    for (SigningKey k : List.of(coord1, part1, outsider)) {
      refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(p).setApprove(true)), k), "not admin");
    }
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(hash(1)).setApprove(true)), admin2), "no proposal");
    // M - 1 = 2 approvals change nothing.
    accepted(vote(l, admin2, p, true));
    assertTrue(l.rolesOf(outsider.verifyingKey().nodeId()).isEmpty());
    assertEquals(ProposalStatus.Outcome.OPEN, l.proposal(p).orElseThrow().outcome());
    // A second proposal of the same change by the same admin is a new proposal: its approvals do not add up.
    ByteString p2 = accepted(propose(l, admin1, Proposal.newBuilder().setAddMember(member(outsider, null, Role.ROLE_PARTICIPANT))
        .setReason("again"))).getRecordHash();
    accepted(vote(l, admin2, p2, true));
    assertTrue(l.rolesOf(outsider.verifyingKey().nodeId()).isEmpty());
    accepted(vote(l, admin3, p, true));
    assertEquals(Set.of(Role.ROLE_PARTICIPANT), l.rolesOf(outsider.verifyingKey().nodeId()));
    // The now stale twin ends obsolete when it reaches M.
    accepted(vote(l, admin3, p2, true));
    assertEquals(ProposalStatus.Outcome.OBSOLETE, l.proposal(p2).orElseThrow().outcome());
  }

  @Test
  void aRemovedAdminsApprovalStopsCounting() {
    FederationLedger l = genesis(2, 0);
    ByteString sneak = accepted(propose(l, admin1, Proposal.newBuilder().setAddMember(member(outsider, null, Role.ROLE_ADMIN))))
        .getRecordHash();
    ByteString out = accepted(propose(l, admin2, Proposal.newBuilder().setRemoveMember(pid(admin1)))).getRecordHash();
    accepted(vote(l, admin3, out, true));
    assertTrue(l.rolesOf(admin1.verifyingKey().nodeId()).isEmpty());
    // admin3 approving the sneak now makes 1 counted approval (admin1's no longer counts): still open.
    accepted(vote(l, admin3, sneak, true));
    assertTrue(l.rolesOf(outsider.verifyingKey().nodeId()).isEmpty());
    assertEquals(ProposalStatus.Outcome.OPEN, l.proposal(sneak).orElseThrow().outcome());
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(sneak).setApprove(true)), admin1), "not admin");
  }

  @Test
  void governanceInvariantsHoldAgainstEveryShortcut() {
    FederationLedger l = genesis(1, 0);
    // Non-admins may not propose at all.
    for (SigningKey k : List.of(coord1, part1, outsider)) {
      refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), k), "not admin");
    }
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder()), admin1), "no change");
    // M: 0, above the admins, and a uint32 that reads negative.
    for (int m : new int[] {0, 4, -1, Integer.MIN_VALUE}) {
      refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setApprovalsRequired(m)), admin1), "approvals required");
    }
    // set_roles may not sneak a member in, nor drop the federation's last coordinator, nor give a participant a Raft address.
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setSetRoles(
        member(outsider, null, Role.ROLE_ADMIN))), admin1), "not a member");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setSetRoles(
        member(part1, "10.0.0.1:7401", Role.ROLE_PARTICIPANT))), admin1), "not coordinator-eligible");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setSetRoles(
        member(outsider, null, Role.ROLE_PARTICIPANT).toBuilder().setIdentityKey(ByteString.copyFrom(part1.verifyingKey().subjectPublicKeyInfo())))), admin1),
        "does not hash");
    // Roles: none, unknown, repeated, out of order.
    for (List<Integer> roles : List.of(List.<Integer>of(), List.of(0), List.of(77), List.of(1, 1), List.of(3, 1))) {
      LedgerMember.Builder m = member(part1, null, Role.ROLE_PARTICIPANT).toBuilder().clearRoles();
      roles.forEach(m::addRolesValue);
      refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setSetRoles(m)), admin1), "role");
    }
    // The last admins and coordinators: remove each coordinator in turn (M = 1 commits at once) until one is left.
    accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(coord1))));
    accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(coord2))));
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setRemoveMember(pid(coord3))), admin1), "at least one");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setSetRoles(
        member(coord3, null, Role.ROLE_PARTICIPANT))), admin1), "at least one");
    accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(admin2))));
    accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(admin3))));
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setRemoveMember(pid(admin1))), admin1), "at least one");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setSetRoles(
        member(admin1, null, Role.ROLE_PARTICIPANT))), admin1), "at least one");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setRemoveMember(pid(outsider))), admin1), "not a member");
    assertEquals(Set.of(Role.ROLE_ADMIN), l.rolesOf(admin1.verifyingKey().nodeId()));
  }

  @Test
  void mNeverExceedsTheAdminsEvenWhenRemovalsAndMChangesRace() {
    FederationLedger l = genesis(2, 0);
    // Two proposals that are each fine alone: remove admin3 (3 -> 2 admins) and M = 3.
    ByteString remove = accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(admin3)))).getRecordHash();
    ByteString raise = accepted(propose(l, admin1, Proposal.newBuilder().setApprovalsRequired(3))).getRecordHash();
    accepted(vote(l, admin2, remove, true));
    assertTrue(l.rolesOf(admin3.verifyingKey().nodeId()).isEmpty());
    accepted(vote(l, admin2, raise, true));
    assertEquals(ProposalStatus.Outcome.OBSOLETE, l.proposal(raise).orElseThrow().outcome());
    assertEquals(2, l.approvalsRequired());
    // And the reverse order: M = 3 first, then the removal ends obsolete.
    FederationLedger r = genesis(2, 0);
    ByteString remove2 = accepted(propose(r, admin1, Proposal.newBuilder().setRemoveMember(pid(admin3)))).getRecordHash();
    ByteString raise2 = accepted(propose(r, admin1, Proposal.newBuilder().setApprovalsRequired(3))).getRecordHash();
    accepted(vote(r, admin2, raise2, true));
    assertEquals(3, r.approvalsRequired());
    accepted(vote(r, admin2, remove2, true));
    assertEquals(ProposalStatus.Outcome.OPEN, r.proposal(remove2).orElseThrow().outcome(), "needs 3 approvals now");
    accepted(vote(r, admin3, remove2, true));
    assertEquals(ProposalStatus.Outcome.OBSOLETE, r.proposal(remove2).orElseThrow().outcome());
    assertEquals(Set.of(Role.ROLE_ADMIN), r.rolesOf(admin3.verifyingKey().nodeId()));
  }

  @Test
  void budgetsMustBeFiniteAndInRangeAndNaNCannotEvenBeSigned() {
    FederationLedger l = genesis(1, 1);
    double[][] bad = {{-1, 1e-5}, {1001, 1e-5}, {Double.POSITIVE_INFINITY, 1e-5}, {Double.MAX_VALUE, 1e-5}, {1, 0},
        {1, 0.1}, {1, -1e-9}, {1, Double.POSITIVE_INFINITY}, {Double.MIN_VALUE * -1, 1e-5}};
    for (double[] b : bad) {
      refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setBudget(
          PrivacyBudget.newBuilder().setEpsilon(b[0]).setDelta(b[1]))), admin1), "budget must");
    }
    // NaN has no canonical encoding: the act cannot be signed, and one signed before NaN went in does not verify.
    LedgerAct signed = LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setBudget(
        PrivacyBudget.newBuilder().setEpsilon(2).setDelta(1e-5))), admin1);
    LedgerAct nan = signed.toBuilder().setProposal(Proposal.newBuilder().setBudget(PrivacyBudget.newBuilder()
        .setEpsilon(Double.NaN).setDelta(1e-5))).build();
    refusedUnchanged(l, 1, nan, "canonical");
    // Genesis budgets alike.
    FederationLedger g = new FederationLedger(FED);
    refusedUnchanged(g, 1, LedgerActs.sign(act(0).setGenesis(genesisBody(members(), 1, 0).setBudget(
        PrivacyBudget.newBuilder().setEpsilon(Double.POSITIVE_INFINITY).setDelta(1e-5))), admin1), "budget must");
  }

  @Test
  void aFederationThatSpentCannotDropItsBudgetToNone() {
    FederationLedger l = spentOneRound(5);
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setBudget(
        PrivacyBudget.newBuilder().setEpsilon(0).setDelta(0))), admin1), "cannot drop");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setBudget(
        PrivacyBudget.newBuilder().setEpsilon(-0.0).setDelta(0))), admin1), "cannot drop");
  }

  @Test
  void aBudgetBelowWhatIsSpentIsRefused() {
    FederationLedger l = spentOneRound(5);
    double spentEps = PrivacyCharges.epsilonSpent(l.spent(), l.budget().getDelta());
    assertTrue(spentEps > 0.5, "spent " + spentEps);
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setBudget(
        PrivacyBudget.newBuilder().setEpsilon(spentEps / 10).setDelta(1e-5))), admin1), "spent");
  }

  @Test
  void reasonsAreBounded() {
    FederationLedger l = genesis(1, 0);
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setApprovalsRequired(1)
        .setReason("x".repeat(FederationLedger.MAX_REASON + 1))), admin1), "at most");
    // 500 astral characters are 1000 UTF-16 units: refused too (bounded either way), never crashing.
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setApprovalsRequired(1)
        .setReason("\uD83D\uDE00".repeat(300))), admin1), "at most");
  }

  @Test
  void aProposalReasonIsOneLineWithoutControlCharacters() {
    FederationLedger l = genesis(2, 0);
    String forged = "routine\n0123456789abcdef  set approvals required to 2  [committed]\r\u001b[2K";
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder()
        .setAddMember(member(outsider, null, Role.ROLE_ADMIN)).setReason(forged)), admin1), "reason");
  }

  @Test
  void genesisMustBeWellFormedAndSignedByAnAdminItNames() {
    List<LedgerMember> ms = members();
    // Duplicates (the same member twice), and out of order.
    List<LedgerMember> dup = new ArrayList<>(ms);
    dup.add(1, ms.get(0));
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(dup, 1, 0)), admin1), "each once");
    List<LedgerMember> reversed = new ArrayList<>(ms);
    java.util.Collections.reverse(reversed);
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(reversed, 1, 0)), admin1), "ascending");
    List<LedgerMember> noCoordinator = ms.stream().filter(m -> !m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE)).toList();
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(noCoordinator, 1, 0)), admin1),
        "coordinator-eligible");
    List<LedgerMember> noAdmin = ms.stream().filter(m -> !m.getRolesList().contains(Role.ROLE_ADMIN)).toList();
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(noAdmin, 1, 0)), coord1), "admin");
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(List.of(), 1, 0)), admin1), "admin");
    // Signed by a coordinator, a participant, an outsider it does not name.
    for (SigningKey k : List.of(coord1, part1, outsider)) {
      refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(ms, 1, 0)), k), "signed by one of the admins");
    }
    // M of 0, above the admins.
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(ms, 0, 0)), admin1), "approvals");
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(ms, 4, 0)), admin1), "approvals");
    // A coordinator without a Raft address, a participant with one, a member whose key is another's.
    List<LedgerMember> noRaft = new ArrayList<>(ms);
    noRaft.replaceAll(m -> m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE) ? m.toBuilder().clearRaftAddress().build() : m);
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(noRaft, 1, 0)), admin1), "raft address");
    List<LedgerMember> badKey = new ArrayList<>(ms);
    badKey.replaceAll(m -> id(m).equals(part1.verifyingKey().nodeId())
        ? m.toBuilder().setIdentityKey(ByteString.copyFrom(part2.verifyingKey().subjectPublicKeyInfo())).build() : m);
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setGenesis(genesisBody(badKey, 1, 0)), admin1), "does not hash");
    // Another federation's genesis, and anything before a genesis.
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setFederation(FederationId.newBuilder().setName("other"))
        .setGenesis(genesisBody(ms, 1, 0)), admin1), "federation 'other'");
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(0).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), admin1), "no genesis");
    refusedUnchanged(new FederationLedger(FED), 1, LedgerActs.sign(act(1).setLeader(LeaderAnnounced.getDefaultInstance()), coord1), "no genesis");
    // A second genesis, even the same one re-signed by another admin.
    FederationLedger l = genesis(1, 0);
    refusedUnchanged(l, 1, LedgerActs.sign(act(0).setGenesis(genesisBody(ms, 1, 0)), admin2), "already has its genesis");
  }

  // =====================================================================================================
  // 2. A lying or deposed coordinator
  // =====================================================================================================

  @Test
  void leaderAnnouncementsAreFencedByTheirEntrysTerm() {
    FederationLedger l = genesis(1, 0);
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setLeader(LeaderAnnounced.getDefaultInstance()), admin1), "not coordinator-eligible");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setLeader(LeaderAnnounced.getDefaultInstance()), outsider), "not coordinator-eligible");
    // An act of term 3 carried by a term-2 entry (or the reverse).
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 3).setLeader(LeaderAnnounced.getDefaultInstance()), coord1), "arrived in a Raft entry");
    refusedUnchanged(l, 3, LedgerActs.sign(seeing(l, 2).setLeader(LeaderAnnounced.getDefaultInstance()), coord1), "arrived in a Raft entry");
    accepted(lead(l, coord1, 3));
    refusedUnchanged(l, 3, LedgerActs.sign(seeing(l, 3).setLeader(LeaderAnnounced.getDefaultInstance()), coord2), "has a coordinator already");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setLeader(LeaderAnnounced.getDefaultInstance()), coord2), "has a coordinator already");
    assertEquals(coord1.verifyingKey().nodeId(), l.leader().orElseThrow());
  }

  @Test
  void roundStartsOnlyAsTheLedgerAllows() {
    FederationLedger l = genesis(1, 5);
    accepted(lead(l, coord1, 2));
    // Not the coordinator, a wrong term, an older term's entry.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, SMALL)), coord2), "coordinator of term 2");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, SMALL)), admin1), "coordinator of term 2");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 1).setRoundStarted(start(1, M0, SMALL)), coord1), "fenced");
    refusedUnchanged(l, 1, LedgerActs.sign(seeing(l, 1).setRoundStarted(start(1, M0, SMALL)), coord1), "coordinator of term 2");
    refusedUnchanged(l, 3, LedgerActs.sign(seeing(l, 3).setRoundStarted(start(1, M0, SMALL)), coord1), "coordinator of term 2");
    // Round numbers other than the next.
    for (long r : new long[] {0, 2, -1}) {
      refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(r, M0, SMALL)), coord1), "next round is 1");
    }
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, ByteString.copyFrom(new byte[31]), SMALL)), coord1), "32-byte");
    // Cohorts: a coordinator, an admin, an outsider, a duplicate, out of order, a malformed id.
    for (List<io.fedmesh.proto.v1.NodeId> c : List.of(cohort(part1, coord2), cohort(part1, admin2), cohort(part1, outsider),
        List.of(pid(part1), pid(part1)), reversed(cohort(part1, part2)),
        List.of(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(new byte[31])).build()))) {
      LedgerReply r = assertDoesNotThrow(() -> l.apply(2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, SMALL)
          .clearCohort().addAllCohort(c)), coord1)));
      assertFalse(r.getAccepted(), "cohort " + c);
    }
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, SMALL))));
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(2, M0, SMALL)), coord1), "still open");
    // A budget refusal while a round is open, or for another round.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setBudgetRefused(BudgetRefused.newBuilder().setRound(2).setReason("x")), coord1), "none open");
  }

  static List<io.fedmesh.proto.v1.NodeId> reversed(List<io.fedmesh.proto.v1.NodeId> c) {
    List<io.fedmesh.proto.v1.NodeId> r = new ArrayList<>(c);
    java.util.Collections.reverse(r);
    return r;
  }

  @Test
  void chargesThatDodgeTheAccountingAreRefused() {
    FederationLedger l = genesis(1, 5);
    accepted(lead(l, coord1, 2));
    RdpCharge[] bad = {
        RdpCharge.getDefaultInstance(),                                          // no charge at all
        charge(new double[] {2, 8}, new double[] {0.01}),                        // fewer RDP values than orders
        charge(new double[] {2}, new double[] {0.01, 0.04}),                     // fewer orders
        charge(new double[] {2, 8}, new double[] {-0.01, 0.04}),                 // negative
        charge(new double[] {2, 8}, new double[] {0.01, Double.POSITIVE_INFINITY}),
        charge(new double[] {1, 8}, new double[] {0.01, 0.04}),                  // order 1
        charge(new double[] {8, 2}, new double[] {0.04, 0.01}),                  // descending
        charge(new double[] {2, Double.POSITIVE_INFINITY}, new double[] {0.01, 0.04}),
        charge(new double[257], new double[257]),
    };
    for (RdpCharge c : bad) {
      refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, c)), coord1), "charge");
    }
    // NaN cannot be signed; signed first and NaN put in afterwards, it does not verify.
    LedgerAct signed = LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, SMALL)), coord1);
    refusedUnchanged(l, 2, signed.toBuilder().setRoundStarted(start(1, M0, charge(new double[] {2, 8}, new double[] {Double.NaN, 0.04})))
        .build(), "canonical");
    // Charges at orders other than the accountant's are refused.
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, SMALL))));
    accepted(coordinate(l, coord1, 2, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1)))));
    accepted(coordinate(l, coord1, 2, a -> a.setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("test"))));
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(2, M0, charge(new double[] {2, 16}, new double[] {1, 1}))), coord1), "accountant's orders");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(2, M0, charge(new double[] {2}, new double[] {1}))), coord1), "accountant's orders");
    // A federation without a budget: no charge may ride along.
    FederationLedger none = genesis(1, 0);
    accepted(lead(none, coord1, 2));
    refusedUnchanged(none, 2, LedgerActs.sign(seeing(none, 2).setRoundStarted(start(1, M0, SMALL)), coord1), "no privacy budget");
  }

  /** A federation with budget epsilon {@code epsilon} whose coordinator coord1 (term 2) spent one round of {@code rdp} at orders {2, 8}. */
  FederationLedger spentOneRound(double epsilon) {
    FederationLedger l = genesis(1, epsilon);
    accepted(lead(l, coord1, 2));
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, linear(0.5)))));
    accepted(coordinate(l, coord1, 2, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1)))));
    accepted(coordinate(l, coord1, 2, a -> a.setRoundCommitted(RoundCommitted.newBuilder().setRound(1).setModel(model(1, hash(7), M0)))));
    return l;
  }

  @Test
  void theLedgerRefusesARoundWhoseChargeWouldExceedTheBudget() {
    FederationLedger l = genesis(1, 1);
    accepted(lead(l, coord1, 2));
    // A charge worth about epsilon 5 does not fit a budget of 1, even as the first round.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, linear(0.5))), coord1), "budget");
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, SMALL))));
    accepted(coordinate(l, coord1, 2, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1)))));
    accepted(coordinate(l, coord1, 2, a -> a.setRoundCommitted(RoundCommitted.newBuilder().setRound(1).setModel(model(1, hash(7), M0)))));
    double eps = PrivacyCharges.epsilonSpent(l.spent(), l.budget().getDelta());
    assertTrue(eps > 0 && eps < 1, "one small round spent " + eps);
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(2, hash(7), linear(0.05))), coord1), "budget");
  }

  @Test
  void aZeroChargeCannotDodgeTheBudget() {
    FederationLedger l = genesis(1, 1);
    accepted(lead(l, coord1, 2));
    ByteString base = M0;
    for (int r = 1; r <= 50; r++) {
      long round = r;
      ByteString parent = base;
      LedgerReply s = coordinate(l, coord1, 2, a -> a.setRoundStarted(start(round, parent, charge(new double[] {2, 8, 64, 256},
          new double[] {0, 0, 0, 0}))));
      if (!s.getAccepted()) {
        return; // refused: the defence holds
      }
      accepted(coordinate(l, coord1, 2, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(round).setSurvivorsDigest(hash(1)))));
      base = hash(100 + r);
      ByteString sha = base;
      accepted(coordinate(l, coord1, 2, a -> a.setRoundCommitted(RoundCommitted.newBuilder().setRound(round).setModel(model(round, sha, parent)))));
    }
    fail("50 rounds unmasked under a budget of epsilon 1, and the ledger says epsilon " + PrivacyCharges.epsilonSpent(l.spent(), 1e-5)
        + " is spent");
  }

  @Test
  void aCoordinatorCannotLockTheFederationIntoOrdersHonestCoordinatorsCannotCharge() {
    for (double[] orders : new double[][] {{1.5}, {2000}}) {
      FederationLedger l = genesis(1, 5);
      accepted(lead(l, coord1, 2));
      refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, charge(orders, new double[] {0.1}))), coord1),
          "accountant's orders");
      // The admins remove the rogue; an honest coordinator is elected and charges as LedgerRounds does.
      accepted(propose(l, admin1, Proposal.newBuilder().setRemoveMember(pid(coord1))));
      accepted(lead(l, coord2, 3));
      PrivacyCharges.Decision d = assertDoesNotThrow(() -> PrivacyCharges.decide(l.budget(), l.spent(), 0.5, 1.0, 2),
          "the honest coordinator's budget decision");
      assertTrue(d.refusal().isEmpty(), d.refusal().orElse(""));
      accepted(coordinate(l, coord2, 3, a -> a.setRoundStarted(start(1, M0, d.charge()))));
    }
  }

  @Test
  void aRoundNeedsACohortAndCannotClaimMoreContributorsThanItInvited() {
    FederationLedger l = genesis(1, 0);
    accepted(lead(l, coord1, 2));
    LedgerReply empty = coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, RdpCharge.getDefaultInstance()).clearCohort()));
    assertFalse(empty.getAccepted(), "a round with an empty cohort was accepted");
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, RdpCharge.getDefaultInstance()))));
    accepted(coordinate(l, coord1, 2, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1)))));
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundCommitted(RoundCommitted.newBuilder().setRound(1)
        .setModel(model(1, hash(7), M0).setContributors(1000))), coord1), "contributors");
  }

  @Test
  void unmaskAndCommitFollowTheLedgersRules() {
    FederationLedger l = genesis(1, 5);
    accepted(lead(l, coord1, 2));
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1), "no round is open");
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, SMALL))));
    // Commit without unmask.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundCommitted(RoundCommitted.newBuilder().setRound(1)
        .setModel(model(1, hash(7), M0))), coord1), "never authorised");
    // Unmask for another round, with a short digest, by a non-coordinator, in a wrong term.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(2).setSurvivorsDigest(hash(1))), coord1), "open round is 1");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(ByteString.copyFrom(new byte[31]))), coord1), "32 bytes");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord2), "coordinator of term 2");
    refusedUnchanged(l, 3, LedgerActs.sign(seeing(l, 3).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1), "coordinator of term 2");
    accepted(coordinate(l, coord1, 2, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1)))));
    RdpCharge spent = l.spent();
    // A second unmask (another survivor list) for the same round.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(2))), coord1), "already");
    // Commits naming another round, another parent, a model of another round, no size, a short hash, bad metrics.
    List<ModelVersion.Builder> badModels = List.of(model(1, hash(7), hash(9)), model(2, hash(7), M0), model(1, hash(7), M0).setSizeBytes(0),
        model(1, ByteString.copyFrom(new byte[31]), M0), model(1, hash(7), M0).setLoss(-1),
        model(1, hash(7), M0).setLoss(Double.POSITIVE_INFINITY), model(1, hash(7), M0).setAccuracy(1.0000001),
        model(1, hash(7), M0).setAuc(-0.1), model(1, hash(7), M0).setAccuracy(Double.NEGATIVE_INFINITY));
    for (ModelVersion.Builder m : badModels) {
      LedgerReply r = assertDoesNotThrow(() -> l.apply(2, LedgerActs.sign(seeing(l, 2).setRoundCommitted(RoundCommitted.newBuilder()
          .setRound(1).setModel(m)), coord1)));
      assertFalse(r.getAccepted(), "model " + m);
    }
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundCommitted(RoundCommitted.newBuilder().setRound(2)
        .setModel(model(2, hash(7), M0))), coord1), "open round is 1");
    accepted(coordinate(l, coord1, 2, a -> a.setRoundCommitted(RoundCommitted.newBuilder().setRound(1).setModel(model(1, hash(7), M0)))));
    // Commit twice, abort after commit.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundCommitted(RoundCommitted.newBuilder().setRound(1)
        .setModel(model(1, hash(8), M0))), coord1), "no round is open");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("x")), coord1), "no round is open");
    assertEquals(spent, l.spent());
    // Another base model for the next round.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(2, M0, SMALL)), coord1), "last committed model");
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(2, hash(8), SMALL)), coord1), "last committed model");
  }

  @Test
  void aDeposedCoordinatorCanNeitherFinishNorAbortItsRoundAndTheNewOneCannotUnmaskIt() {
    FederationLedger l = genesis(1, 5);
    accepted(lead(l, coord1, 2));
    accepted(coordinate(l, coord1, 2, a -> a.setRoundStarted(start(1, M0, SMALL))));
    accepted(lead(l, coord2, 4));
    // The deposed coordinator's acts, whether they carry its old term (in a new entry) or the new term.
    for (long actTerm : new long[] {2, 4}) {
      refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, actTerm).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1), "");
      refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, actTerm).setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("x")), coord1), "");
      refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, actTerm).setRoundCommitted(RoundCommitted.newBuilder().setRound(1)
          .setModel(model(1, hash(7), M0))), coord1), "");
    }
    // Even an old-term entry (as if Raft had carried it late with its true term) is fenced: the ledger's term moved on.
    refusedUnchanged(l, 2, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1), "coordinator of term 4");
    // The new coordinator cannot adopt the fenced round: it may only abort it.
    refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, 4).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord2), "started in term 2");
    refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, 4).setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("two\nlines")), coord2), "one line");
    refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, 4).setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("")), coord2), "one line");
    refusedUnchanged(l, 4, LedgerActs.sign(seeing(l, 4).setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("y".repeat(501))), coord2), "one line");
    accepted(coordinate(l, coord2, 4, a -> a.setRoundAborted(RoundAborted.newBuilder().setRound(1).setReason("coordinator changed"))));
    assertEquals(0, l.spent().getRdpCount(), "nothing spent for a round never unmasked");
  }

  // =====================================================================================================
  // Unmask endorsements (what participants check)
  // =====================================================================================================

  Set<NodeId> coordinators() {
    return new java.util.TreeSet<>(List.of(coord1.verifyingKey().nodeId(), coord2.verifyingKey().nodeId(), coord3.verifyingKey().nodeId()));
  }

  /** A ledger where coord1 (term {@code term}) authorised round {@code round}'s unmasking for {@code digest}. */
  FederationLedger authorising(long term, int rounds, ByteString digest) {
    FederationLedger l = genesis(1, 0);
    accepted(lead(l, coord1, term));
    ByteString base = M0;
    for (int r = 1; r <= rounds; r++) {
      long round = r;
      ByteString parent = base;
      accepted(coordinate(l, coord1, term, a -> a.setRoundStarted(start(round, parent, RdpCharge.getDefaultInstance()))));
      accepted(coordinate(l, coord1, term, a -> a.setUnmask(UnmaskAuthorised.newBuilder().setRound(round).setSurvivorsDigest(digest))));
      if (r < rounds) {
        base = hash(50 + r);
        ByteString sha = base;
        accepted(coordinate(l, coord1, term, a -> a.setRoundCommitted(RoundCommitted.newBuilder().setRound(round).setModel(model(round, sha, parent)))));
      }
    }
    return l;
  }

  static void notAMajority(Runnable check) {
    try {
      check.run();
    } catch (LedgerRefusal expected) {
      return;
    }
    fail("accepted as a majority");
  }

  @Test
  void endorsementsOfAnotherRoundListTermOrEndorserDoNotMakeAMajority() {
    ByteString digest = hash(5);
    FederationLedger l = authorising(2, 2, digest);
    var e1 = UnmaskEndorsements.endorse(l, 2, coord1);
    var e2 = UnmaskEndorsements.endorse(l, 2, coord2);
    UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1, e2));
    // Round 1's endorsements (same list, same coordinators) are not round 2's.
    FederationLedger older = authorising(2, 1, digest);
    var old1 = UnmaskEndorsements.endorse(older, 1, coord1);
    var old2 = UnmaskEndorsements.endorse(older, 1, coord2);
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(old1, old2)));
    // An old one relabelled as round 2 does not verify.
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1, old2.toBuilder().setRound(2).build())));
    // Another survivor list; another federation.
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, hash(6), coordinators(), List.of(e1, e2)));
    notAMajority(() -> UnmaskEndorsements.requireMajority("other", 2, digest, coordinators(), List.of(e1, e2)));
    // One endorser three times, also with its signature malleated (s -> n - s): one endorsement.
    byte[] sig = e1.getSignature().toByteArray();
    byte[] s = N.subtract(new BigInteger(1, Arrays.copyOfRange(sig, 32, 64))).toByteArray();
    byte[] mal = Arrays.copyOf(sig, 64);
    Arrays.fill(mal, 32, 64, (byte) 0);
    System.arraycopy(s, Math.max(0, s.length - 32), mal, 64 - Math.min(32, s.length), Math.min(32, s.length));
    var e1twin = e1.toBuilder().setSignature(ByteString.copyFrom(mal)).build();
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1, e1, e1twin)));
    // Non-coordinators (an admin, a participant, an outsider) do not count, however many.
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1,
        UnmaskEndorsements.endorse(l, 2, admin1), UnmaskEndorsements.endorse(l, 2, part1), UnmaskEndorsements.endorse(l, 2, outsider))));
    // coord1 signs an endorsement naming coord2 (with coord2's key, or its own).
    var forged = e1.toBuilder().setEndorser(pid(coord2)).build();
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1, forged)));
    var forged2 = e1.toBuilder().setEndorser(pid(coord2)).setEndorserKey(ByteString.copyFrom(coord2.verifyingKey().subjectPublicKeyInfo())).build();
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1, forged2)));
    // Endorsements of two different records (a fork, or another term) for the same round and list do not add up.
    FederationLedger fork = authorising(3, 2, digest);
    var f2 = UnmaskEndorsements.endorse(fork, 2, coord2);
    assertFalse(f2.getRecordHash().equals(e1.getRecordHash()));
    notAMajority(() -> UnmaskEndorsements.requireMajority(FED, 2, digest, coordinators(), List.of(e1, f2)));
    // Nothing to endorse once the round ended.
    accepted(coordinate(l, coord1, 2, a -> a.setRoundCommitted(RoundCommitted.newBuilder().setRound(2).setModel(model(2, hash(60), hash(51))))));
    notAMajority(() -> UnmaskEndorsements.endorse(l, 2, coord3));
  }

  @Test
  void oneBogusEndorsementCannotVetoAnHonestMajority() {
    ByteString digest = hash(5);
    FederationLedger l = authorising(2, 1, digest);
    var own = UnmaskEndorsements.endorse(l, 1, coord1);
    var honest = UnmaskEndorsements.endorse(l, 1, coord2);
    // coord3 endorses "the same" round and list, but names a record that does not exist (signed correctly by itself).
    var bogus = UnmaskEndorsements.endorse(l, 1, coord3).toBuilder().setRecordHash(hash(66)).clearSignature().build();
    bogus = bogus.toBuilder().setSignature(ByteString.copyFrom(coord3.sign(CanonicalEncoding.signingInput(bogus,
        io.fedmesh.proto.v1.UnmaskEndorsement.getDescriptor().findFieldByNumber(io.fedmesh.proto.v1.UnmaskEndorsement.SIGNATURE_FIELD_NUMBER))))).build();
    // The collector's own per-peer check lets it in:
    UnmaskEndorsements.requireMajority(FED, 1, digest, Set.of(coord3.verifyingKey().nodeId()), List.of(bogus));
    // ... and with it gathered first, the honest majority {own, honest} no longer passes.
    UnmaskEndorsements.requireMajority(FED, 1, digest, coordinators(), List.of(own, bogus, honest));
  }

  // =====================================================================================================
  // 3. The audit chain
  // =====================================================================================================

  /** A chain of every kind of act, each seeing the head before it (as the CLI and the node sign them). */
  List<LedgerAct> history() {
    FederationLedger l = new FederationLedger(FED);
    List<LedgerAct> acts = new ArrayList<>();
    java.util.function.BiFunction<Long, LedgerAct, LedgerReply> apply = (term, a) -> {
      LedgerReply r = accepted(l.apply(term, a));
      acts.add(a);
      return r;
    };
    apply.apply(1L, LedgerActs.sign(act(0).setGenesis(genesisBody(members(), 2, 5)), admin1));
    ByteString p = apply.apply(1L, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setRemoveMember(pid(part2))
        .setReason("leaves")), admin1)).getRecordHash();
    apply.apply(1L, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(p).setApprove(true)), admin2));
    apply.apply(2L, LedgerActs.sign(seeing(l, 2).setLeader(LeaderAnnounced.getDefaultInstance()), coord1));
    apply.apply(2L, LedgerActs.sign(seeing(l, 2).setRoundStarted(start(1, M0, SMALL).clearCohort().addAllCohort(cohort(part1, part3))), coord1));
    apply.apply(2L, LedgerActs.sign(seeing(l, 2).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(hash(1))), coord1));
    apply.apply(2L, LedgerActs.sign(seeing(l, 2).setRoundCommitted(RoundCommitted.newBuilder().setRound(1).setModel(model(1, hash(7), M0))), coord1));
    apply.apply(3L, LedgerActs.sign(seeing(l, 3).setLeader(LeaderAnnounced.getDefaultInstance()), coord2));
    apply.apply(3L, LedgerActs.sign(seeing(l, 3).setRoundStarted(start(2, hash(7), SMALL).clearCohort().addAllCohort(cohort(part1, part3))), coord2));
    apply.apply(3L, LedgerActs.sign(seeing(l, 3).setRoundAborted(RoundAborted.newBuilder().setRound(2).setReason("too few")), coord2));
    ByteString q = apply.apply(3L, LedgerActs.sign(seeing(l, 0).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), admin3)).getRecordHash();
    apply.apply(3L, LedgerActs.sign(seeing(l, 0).setVote(ProposalVote.newBuilder().setProposal(q).setApprove(false)), admin1));
    apply.apply(3L, LedgerActs.sign(seeing(l, 3).setBudgetRefused(BudgetRefused.newBuilder().setRound(3).setReason("budget")), coord2));
    return acts;
  }

  static List<Long> terms() {
    return List.of(1L, 1L, 1L, 2L, 2L, 2L, 2L, 3L, 3L, 3L, 3L, 3L, 3L);
  }

  static FederationLedger feed(List<LedgerAct> acts) {
    FederationLedger l = new FederationLedger(FED);
    for (int i = 0; i < acts.size(); i++) {
      accepted(l.apply(terms().get(i), acts.get(i)));
    }
    return l;
  }

  @Test
  void twoReplicasFedTheSameActsHoldByteIdenticalChainsAndSnapshots() throws Exception {
    List<LedgerAct> acts = history();
    FederationLedger a = feed(acts);
    FederationLedger b = feed(acts);
    // Interleave refused acts into b: they must leave no trace.
    FederationLedger c = new FederationLedger(FED);
    for (int i = 0; i < acts.size(); i++) {
      c.apply(terms().get(i), LedgerActs.sign(act(0).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), outsider));
      accepted(c.apply(terms().get(i), acts.get(i)));
      c.apply(terms().get(i), acts.get(i));
    }
    assertEquals(acts.size(), a.records().size());
    for (FederationLedger other : List.of(b, c, AuditChain.replay(FED, a.records()))) {
      assertArrayEquals(snapshot(a), snapshot(other));
      for (int i = 0; i < a.records().size(); i++) {
        assertArrayEquals(CanonicalEncoding.encode(a.records().get(i)), CanonicalEncoding.encode(other.records().get(i)));
      }
      assertEquals(a.headHash(), other.headHash());
      assertEquals(a.members(), other.members());
      assertEquals(a.spent(), other.spent());
      assertEquals(a.outcomes(), other.outcomes());
      assertEquals(a.roundsWanted(), other.roundsWanted());
      assertEquals(a.proposals().size(), other.proposals().size());
    }
    assertTrue(AuditChain.verify(FED, a.records()).isEmpty());
  }

  @Test
  void everyTamperedRecordIsNamed() {
    List<LedgerRecord> records = List.copyOf(feed(history()).records());
    int n = records.size();
    for (int i = 0; i < n; i++) {
      long seq = i + 1;
      // A changed field of the act (its signature no longer covers it): the time, the reason-carrying body, the term.
      LedgerRecord r = records.get(i);
      List<LedgerRecord> bad = new ArrayList<>(records);
      bad.set(i, r.toBuilder().setAct(r.getAct().toBuilder().setTimeMillis(r.getAct().getTimeMillis() + 1)).build());
      assertEquals(seq, AuditChain.verify(FED, bad).orElseThrow().sequence(), "time of record " + seq);
      // A flipped byte in the signature.
      byte[] sig = r.getAct().getSignature().toByteArray();
      sig[i % sig.length] ^= 0x40;
      bad.set(i, r.toBuilder().setAct(r.getAct().toBuilder().setSignature(ByteString.copyFrom(sig))).build());
      assertEquals(seq, AuditChain.verify(FED, bad).orElseThrow().sequence(), "signature of record " + seq);
      // A wrong sequence number, a wrong back-link.
      bad.set(i, r.toBuilder().setSequence(seq + 1).build());
      assertEquals(seq, AuditChain.verify(FED, bad).orElseThrow().sequence(), "sequence of record " + seq);
      bad.set(i, r.toBuilder().setPreviousHash(hash(i + 1)).build());
      assertEquals(seq, AuditChain.verify(FED, bad).orElseThrow().sequence(), "back-link of record " + seq);
      // Dropped.
      bad = new ArrayList<>(records);
      bad.remove(i);
      if (i < n - 1) {
        assertEquals(seq, AuditChain.verify(FED, bad).orElseThrow().sequence(), "record " + seq + " dropped");
      }
      // Swapped with the next.
      if (i < n - 1) {
        bad = new ArrayList<>(records);
        java.util.Collections.swap(bad, i, i + 1);
        assertEquals(seq, AuditChain.verify(FED, bad).orElseThrow().sequence(), "records " + seq + " and " + (seq + 1) + " swapped");
      }
    }
    // A serialized record with one flipped bit, wherever it lands, is caught (or does not parse) and never crashes verify.
    for (int i = 0; i < n; i++) {
      byte[] wire = records.get(i).toByteArray();
      for (int bit = 0; bit < wire.length * 8; bit += 97) {
        byte[] flipped = wire.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        LedgerRecord parsed;
        try {
          parsed = LedgerRecord.parseFrom(flipped);
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
          continue;
        }
        if (parsed.equals(records.get(i)) || !parsed.getUnknownFields().asMap().isEmpty()) {
          continue; // unchanged, or unknown fields at the record's own level (aRecordWithUnknownFieldsAtItsOwnLevelIsNamedNotThrown)
        }
        List<LedgerRecord> bad = new ArrayList<>(records);
        bad.set(i, parsed);
        var failure = assertDoesNotThrow(() -> AuditChain.verify(FED, bad), "record " + (i + 1) + " bit " + bit);
        assertTrue(failure.isPresent(), "record " + (i + 1) + " bit " + bit + " went unnoticed");
        assertTrue(failure.get().sequence() == i + 1 || failure.get().sequence() == i + 2,
            "record " + (i + 1) + " bit " + bit + " named " + failure.get());
      }
    }
  }

  @Test
  void relinkingAfterDroppingOrReorderingIsCaughtByTheNextAuthorsVouch() {
    List<LedgerRecord> records = List.copyOf(feed(history()).records());
    // Drop each record but the last, renumber and re-link with recomputed hashes (what a rewriting majority or a disk editor does).
    for (int drop = 1; drop < records.size() - 1; drop++) {
      List<LedgerAct> acts = new ArrayList<>(records.stream().map(LedgerRecord::getAct).toList());
      acts.remove(drop);
      List<LedgerRecord> relinked = relink(records, acts, drop);
      var failure = AuditChain.verify(FED, relinked);
      assertTrue(failure.isPresent(), "dropping record " + (drop + 1) + " and re-linking went unnoticed");
      assertEquals(drop + 1, failure.get().sequence(), "dropping record " + (drop + 1) + ": " + failure.get());
    }
  }

  /** Records for {@code acts} with recomputed sequences and back-links, keeping each remaining act's Raft term. */
  static List<LedgerRecord> relink(List<LedgerRecord> original, List<LedgerAct> acts, int dropped) {
    List<LedgerRecord> out = new ArrayList<>();
    ByteString previous = LedgerRecords.NO_PREVIOUS;
    for (int i = 0; i < acts.size(); i++) {
      long term = original.get(i < dropped ? i : i + 1).getRaftTerm();
      LedgerRecord r = LedgerRecord.newBuilder().setSequence(i + 1).setPreviousHash(previous).setRaftTerm(term).setAct(acts.get(i)).build();
      out.add(r);
      previous = LedgerRecords.hash(r);
    }
    return out;
  }

  @Test
  void aChainOfAnotherFederationOrSplicedFromTwoIsRefused() {
    List<LedgerRecord> ours = List.copyOf(feed(history()).records());
    // The same consortium founds "card-fraud-eu" with an identical genesis body.
    FederationLedger theirs = new FederationLedger("card-fraud-eu");
    LedgerAct g = LedgerActs.sign(act(0).setFederation(FederationId.newBuilder().setName("card-fraud-eu"))
        .setGenesis(genesisBody(members(), 2, 5)), admin1);
    accepted(theirs.apply(1, g));
    LedgerAct p = LedgerActs.sign(act(0).setFederation(FederationId.newBuilder().setName("card-fraud-eu")).setSeenSequence(1)
        .setSeenHash(theirs.headHash()).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), admin1);
    accepted(theirs.apply(1, p));
    assertEquals(1, AuditChain.verify(FED, theirs.records()).orElseThrow().sequence());
    assertEquals(1, AuditChain.verify("card-fraud-eu", ours).orElseThrow().sequence());
    // Our genesis, then their record 2 re-linked onto it.
    LedgerRecord spliced = theirs.records().get(1).toBuilder().setPreviousHash(LedgerRecords.hash(ours.get(0))).build();
    assertEquals(2, AuditChain.verify(FED, List.of(ours.get(0), spliced)).orElseThrow().sequence());
    // Their act, re-labelled as ours, is not what the admin signed.
    LedgerAct relabelled = p.toBuilder().setFederation(FederationId.newBuilder().setName(FED)).build();
    LedgerRecord forged = LedgerRecord.newBuilder().setSequence(2).setPreviousHash(LedgerRecords.hash(ours.get(0))).setRaftTerm(1)
        .setAct(relabelled).build();
    assertEquals(2, AuditChain.verify(FED, List.of(ours.get(0), forged)).orElseThrow().sequence());
  }

  @Test
  void aRecordWithUnknownFieldsIsNamedNotThrown() {
    List<LedgerRecord> records = new ArrayList<>(feed(history()).records());
    UnknownFieldSet extra = UnknownFieldSet.newBuilder().addField(99, UnknownFieldSet.Field.newBuilder()
        .addLengthDelimited(ByteString.copyFromUtf8("hidden")).build()).build();
    records.set(3, records.get(3).toBuilder().setAct(records.get(3).getAct().toBuilder().setUnknownFields(extra)).build());
    var failure = assertDoesNotThrow(() -> AuditChain.verify(FED, records));
    assertEquals(4, failure.orElseThrow().sequence());
  }

  @Test
  void aRecordWithUnknownFieldsAtItsOwnLevelIsNamedNotThrown() {
    List<LedgerRecord> records = new ArrayList<>(feed(history()).records());
    UnknownFieldSet extra = UnknownFieldSet.newBuilder().addField(99, UnknownFieldSet.Field.newBuilder()
        .addLengthDelimited(ByteString.copyFromUtf8("hidden")).build()).build();
    records.set(3, records.get(3).toBuilder().setUnknownFields(extra).build());
    var failure = assertDoesNotThrow(() -> AuditChain.verify(FED, records));
    assertEquals(4, failure.orElseThrow().sequence());
  }

  @Test
  void aRewrittenRaftTermIsCaughtForRoundActsAndByTheNextLinkForGovernance() {
    List<LedgerRecord> records = List.copyOf(feed(history()).records());
    // Record 5 (round_started, term 2) moved to term 3: the fence refuses it at 5 itself.
    List<LedgerRecord> bad = new ArrayList<>(records);
    bad.set(4, bad.get(4).toBuilder().setRaftTerm(3).build());
    assertEquals(5, AuditChain.verify(FED, bad).orElseThrow().sequence());
    // Record 2 (a proposal) moved to term 9: governance acts are not fenced, so only record 3's back-link notices.
    bad = new ArrayList<>(records);
    bad.set(1, bad.get(1).toBuilder().setRaftTerm(9).build());
    assertEquals(3, AuditChain.verify(FED, bad).orElseThrow().sequence());
  }
}
