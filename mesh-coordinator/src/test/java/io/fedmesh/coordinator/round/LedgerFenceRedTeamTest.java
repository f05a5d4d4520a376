package io.fedmesh.coordinator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.coordinator.ledger.SurvivorDigest;
import io.fedmesh.coordinator.ledger.UnmaskEndorsements;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LeaderAnnounced;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.ModelVersion;
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

/**
 * Red team of fenced unmasking with the real round engines: can a coordinator get participants to reveal
 * unmasking shares for a round instance the ledger never authorised?
 */
class LedgerFenceRedTeamTest {
  final SigningKey c1 = SigningKey.generate(SimulationRandom.fromSeed(601));
  final SigningKey c2 = SigningKey.generate(SimulationRandom.fromSeed(602));
  final SigningKey c3 = SigningKey.generate(SimulationRandom.fromSeed(603));
  /** Participants of the federation that the ledger's round 1 really invited (not the harness's). */
  final List<SigningKey> sampled = List.of(SigningKey.generate(SimulationRandom.fromSeed(611)), SigningKey.generate(SimulationRandom.fromSeed(612)),
      SigningKey.generate(SimulationRandom.fromSeed(613)), SigningKey.generate(SimulationRandom.fromSeed(614)),
      SigningKey.generate(SimulationRandom.fromSeed(615)));

  static LedgerMember.Builder member(SigningKey k) {
    return LedgerMember.newBuilder().setNode(io.fedmesh.coordinator.ledger.LedgerActs.toProto(k.verifyingKey().nodeId()))
        .setIdentityKey(ByteString.copyFrom(k.verifyingKey().subjectPublicKeyInfo()));
  }

  static LedgerAct.Builder act(long term) {
    return LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(RoundAttackHarness.FED)).setTerm(term);
  }

  static void accept(FederationLedger l, long term, LedgerAct.Builder act, SigningKey by) {
    var reply = l.apply(term, LedgerActs.sign(act, by));
    assertTrue(reply.getAccepted(), reply.getReason());
  }

  Set<NodeId> coordinators() {
    return new TreeSet<>(List.of(c1.verifyingKey().nodeId(), c2.verifyingKey().nodeId(), c3.verifyingKey().nodeId()));
  }

  /** The federation: c1..c3 coordinator-eligible (c1 also admin), the harness's participants and the sampled ones. */
  FederationLedger federation(RoundAttackHarness h) {
    List<LedgerMember> members = new ArrayList<>();
    int port = 7401;
    for (SigningKey k : List.of(c1, c2, c3)) {
      LedgerMember.Builder m = member(k).addRoles(Role.ROLE_COORDINATOR_ELIGIBLE).setRaftAddress("127.0.0.1:" + port++);
      if (k == c1) {
        m.addRoles(Role.ROLE_ADMIN);
      }
      members.add(m.build());
    }
    List<SigningKey> participants = new ArrayList<>(h.keys);
    participants.addAll(sampled);
    for (SigningKey k : participants) {
      members.add(member(k).addRoles(Role.ROLE_PARTICIPANT).build());
    }
    members.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    FederationLedger l = new FederationLedger(RoundAttackHarness.FED);
    accept(l, 1, act(0).setGenesis(Genesis.newBuilder().addAllMembers(members).setApprovalsRequired(1)), c1);
    return l;
  }

  /**
   * Found as a hole at 8fbffca (the digest bound federation, round and slot lists only, not the instance): endorsements of the
   * ledger's real round 1 were replayed by a coordinator-eligible node to a new, unrecorded instance of round 1 with participants
   * who never joined round 1, and they unmasked. Fixed on main in 1fd75b8 (the digest binds the whole plan); kept as a regression.
   */
  @Test
  void endorsementsOfTheLedgersRoundDoNotUnmaskAnotherInstanceOfThatRoundNumber() {
    RoundAttackHarness h = new RoundAttackHarness(5);
    h.fence = coordinators();
    List<UnmaskEndorsement> captured = new ArrayList<>();
    FederationLedger[] ledger = new FederationLedger[1];
    h.endorse = u -> {
      // The ledger's real round 1: c1 coordinates it with the sampled participants, the same number of slots, all surviving.
      FederationLedger l = federation(h);
      accept(l, 1, act(1).setLeader(LeaderAnnounced.getDefaultInstance()), c1);
      RoundStarted.Builder s = RoundStarted.newBuilder().setRound(1).setBaseModel(ByteString.copyFrom(new byte[32]));
      sampled.stream().map(k -> k.verifyingKey().nodeId()).sorted().forEach(n -> s.addCohort(io.fedmesh.coordinator.ledger.LedgerActs.toProto(n)));
      accept(l, 1, act(1).setRoundStarted(s), c1);
      // Its plan: the same federation, round number, coordinator and parameters, but its own nonce and cohort.
      io.fedmesh.proto.v1.RoundPlan rogue = h.coordinator.plan();
      byte[] nonce = new byte[32];
      java.util.Arrays.fill(nonce, (byte) 9);
      io.fedmesh.proto.v1.RoundPlan real = rogue.toBuilder().setSecagg(rogue.getSecagg().toBuilder()
          .setRoundNonce(ByteString.copyFrom(nonce)).clearCohort()
          .addAllCohort(sampled.stream().map(k -> io.fedmesh.coordinator.ledger.LedgerActs.toProto(k.verifyingKey().nodeId())).toList())).build();
      accept(l, 1, act(1).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(ByteString.copyFrom(
          SurvivorDigest.of(real, u.survivors(), u.dropped())))), c1);
      // The honest majority endorses it (as it should), and the coordinator sends those endorsements to round 1's cohort,
      // so every participant of that round holds them from then on.
      captured.add(UnmaskEndorsements.endorse(l, 1, c1));
      captured.add(UnmaskEndorsements.endorse(l, 1, c2));
      accept(l, 1, act(1).setRoundCommitted(RoundCommitted.newBuilder().setRound(1).setModel(ModelVersion.newBuilder()
          .setSha256(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32})).setSizeBytes(10).setParent(ByteString.copyFrom(new byte[32])).setRound(1))), c1);
      ledger[0] = l;
      // Round 1 is over on the ledger. The rogue instance of "round 1" (this harness: other participants, another
      // nonce) is handed the old endorsements.
      return List.copyOf(captured);
    };
    h.start(1);
    RoundReport report = h.run();
    assertTrue(ledger[0].openRound().isEmpty(), "the ledger's round 1 ended before the rogue instance unmasked");
    assertEquals(1, ledger[0].outcomes().size());
    long refused = h.refusals.stream().filter(r -> r.refused().reason().equals("unmask_not_endorsed")).count();
    assertFalse(report.committed(), "an unrecorded instance of round 1 was unmasked with round 1's endorsements");
    assertEquals(5, refused, "every participant refuses the unmask request");
  }
}
