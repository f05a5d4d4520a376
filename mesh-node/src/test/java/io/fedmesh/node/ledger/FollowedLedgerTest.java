package io.fedmesh.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.ProposalVote;
import io.fedmesh.proto.v1.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A participant's verified copy of a ledger, fed what a coordinator serves: the real chain extends it;
 * a genesis other than the config's, a forged or re-signed membership change, a spliced or replayed
 * record, and a shorter (rolled back) chain do not.
 */
class FollowedLedgerTest {
  static final String FED = "card-fraud";
  final SigningKey admin1 = key(1);
  final SigningKey admin2 = key(2);
  final SigningKey admin3 = key(3);
  final SigningKey coordinator = key(11);
  final SigningKey part1 = key(21);
  final SigningKey part2 = key(22);
  final SigningKey outsider = key(99);

  static SigningKey key(long seed) {
    return SigningKey.generate(SimulationRandom.fromSeed(seed));
  }

  static NodeId id(SigningKey k) {
    return k.verifyingKey().nodeId();
  }

  static LedgerMember member(SigningKey k, Role role) {
    LedgerMember.Builder m = LedgerMember.newBuilder().setNode(LedgerActs.toProto(id(k)))
        .setIdentityKey(ByteString.copyFrom(k.verifyingKey().subjectPublicKeyInfo())).addRoles(role);
    if (role == Role.ROLE_COORDINATOR_ELIGIBLE) {
      m.setRaftAddress("127.0.0.1:7401");
    }
    return m.build();
  }

  List<LedgerMember> members(SigningKey... participants) {
    List<LedgerMember> ms = new ArrayList<>(List.of(member(admin1, Role.ROLE_ADMIN), member(admin2, Role.ROLE_ADMIN),
        member(admin3, Role.ROLE_ADMIN), member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE)));
    for (SigningKey p : participants) {
      ms.add(member(p, Role.ROLE_PARTICIPANT));
    }
    ms.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    return ms;
  }

  /** What the participant's config states. */
  Map<NodeId, Set<Role>> config() {
    Map<NodeId, Set<Role>> c = new TreeMap<>();
    for (LedgerMember m : members(part1, part2)) {
      c.put(NodeId.ofBytes(m.getNode().getSha256().toByteArray()), Set.copyOf(m.getRolesList()));
    }
    return c;
  }

  static LedgerAct.Builder seeing(FederationLedger l) {
    LedgerAct.Builder a = LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED)).setTimeMillis(1)
        .setSeenSequence(l.headSequence());
    if (l.headSequence() > 0) {
      a.setSeenHash(l.headHash());
    }
    return a;
  }

  LedgerAct genesis(int approvals, List<LedgerMember> members) {
    return LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED)).setTimeMillis(1)
        .setGenesis(Genesis.newBuilder().addAllMembers(members).setApprovalsRequired(approvals)), admin1);
  }

  /** The coordinators' ledger: genesis, then part2 removed by two of three admins. */
  FederationLedger served() {
    FederationLedger l = new FederationLedger(FED);
    assertThat(l.apply(1, genesis(2, members(part1, part2))).getAccepted()).isTrue();
    ByteString proposal = l.apply(1, LedgerActs.sign(seeing(l).setProposal(Proposal.newBuilder().setRemoveMember(LedgerActs.toProto(id(part2)))
        .setReason("leaves")), admin1)).getRecordHash();
    assertThat(l.apply(1, LedgerActs.sign(seeing(l).setVote(ProposalVote.newBuilder().setProposal(proposal).setApprove(true)), admin2))
        .getAccepted()).isTrue();
    assertThat(l.rolesOf(id(part2))).isEmpty();
    return l;
  }

  @Test
  void theServedChainExtendsTheCopyAndItsMembershipChangesReachTheParticipant() {
    FederationLedger coordinators = served();
    FollowedLedger copy = new FollowedLedger(FED, config());
    assertThat(copy.read(l -> l.rolesOf(id(part2)))).isEmpty(); // nothing followed yet: the directory falls back to the config
    assertThat(copy.extend(coordinators.records().subList(0, 1))).isEmpty();
    assertThat(copy.read(l -> l.rolesOf(id(part2)))).contains(Set.of(Role.ROLE_PARTICIPANT));
    assertThat(copy.extend(coordinators.records().subList(1, 3))).isEmpty();
    assertThat(copy.head()).isEqualTo(3);
    assertThat(copy.read(l -> l.rolesOf(id(part2)))).contains(Set.of());
    assertThat(copy.read(FederationLedger::headHash)).contains(coordinators.headHash());
    // Serving the same records again, or a shorter chain, cannot roll it back.
    assertThat(copy.extend(coordinators.records().subList(0, 2))).get().asString().contains("holds sequence 1");
    assertThat(copy.head()).isEqualTo(3);
  }

  @Test
  void aGenesisOtherThanTheConfigsIsNotFollowed() {
    FederationLedger other = new FederationLedger(FED);
    // One admin founds it alone with M = 1 and an extra admin: valid to the ledger, not what the config says.
    List<LedgerMember> ms = new ArrayList<>(members(part1, part2));
    ms.add(member(outsider, Role.ROLE_ADMIN));
    ms.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    assertThat(other.apply(1, genesis(1, ms)).getAccepted()).isTrue();
    FollowedLedger copy = new FollowedLedger(FED, config());
    assertThat(copy.extend(other.records())).get().asString().contains("must state the configured members exactly");
    assertThat(copy.head()).isZero();
    FederationLedger minority = new FederationLedger(FED);
    assertThat(minority.apply(1, genesis(1, members(part1, part2))).getAccepted()).isTrue();
    assertThat(copy.extend(minority.records())).get().asString().contains("at least a majority");
    // A chain that does not start at its genesis.
    assertThat(copy.extend(served().records().subList(1, 3))).get().asString().contains("expected the genesis first");
    assertThat(copy.read(l -> l)).isEmpty();
  }

  @Test
  void aForgedMembershipChangeStopsAtTheLastGoodRecord() {
    FederationLedger coordinators = served();
    FollowedLedger copy = new FollowedLedger(FED, config());
    assertThat(copy.extend(coordinators.records().subList(0, 1))).isEmpty();
    // A lying coordinator drops admin2's vote and serves a vote it signed itself, re-linked to fit.
    LedgerRecord proposal = coordinators.records().get(1);
    LedgerRecord vote = coordinators.records().get(2);
    LedgerAct forgedVote = LedgerActs.sign(vote.getAct().toBuilder().clearSignature().clearAuthor(), coordinator);
    LedgerRecord forged = vote.toBuilder().setAct(forgedVote).build();
    assertThat(copy.extend(List.of(proposal, forged))).isPresent();
    assertThat(copy.head()).as("the good proposal stays, the forged vote does not").isEqualTo(2);
    assertThat(copy.read(l -> l.rolesOf(id(part2)))).contains(Set.of(Role.ROLE_PARTICIPANT));
    // A flipped byte in the real vote's signature.
    byte[] sig = vote.getAct().getSignature().toByteArray();
    sig[sig.length - 1] ^= 1;
    LedgerRecord tampered = vote.toBuilder().setAct(vote.getAct().toBuilder().setSignature(ByteString.copyFrom(sig))).build();
    assertThat(copy.extend(List.of(tampered))).isPresent();
    assertThat(copy.head()).isEqualTo(2);
    // The real record still extends it afterwards.
    assertThat(copy.extend(List.of(vote))).isEmpty();
    assertThat(copy.read(l -> l.rolesOf(id(part2)))).contains(Set.of());
  }
}
