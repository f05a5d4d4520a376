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
import io.fedmesh.proto.v1.Role;
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
 * Participants fenced to the ledger reveal unmasking shares only against a majority of the
 * coordinator-eligible nodes' endorsements of the committed authorisation for exactly the survivor
 * lists of the request: the real engines, driven in one process.
 */
class FencedUnmaskingTest {
  final SigningKey c1 = SigningKey.generate(SimulationRandom.fromSeed(501));
  final SigningKey c2 = SigningKey.generate(SimulationRandom.fromSeed(502));
  final SigningKey c3 = SigningKey.generate(SimulationRandom.fromSeed(503));

  /** A ledger where c1 leads term 1, started round 1 and committed the authorisation for {@code u}'s lists. */
  FederationLedger ledgerAuthorising(RoundAttackHarness h, RoundAction.AwaitUnmaskRelease u, int[] survivorsAsCommitted) {
    List<LedgerMember> members = new ArrayList<>();
    int port = 7401;
    for (SigningKey k : List.of(c1, c2, c3)) {
      LedgerMember.Builder m = member(k).addRoles(Role.ROLE_COORDINATOR_ELIGIBLE).setRaftAddress("127.0.0.1:" + port++);
      if (k == c1) {
        m.addRoles(Role.ROLE_ADMIN);
      }
      members.add(m.build());
    }
    for (SigningKey k : h.keys) {
      members.add(member(k).addRoles(Role.ROLE_PARTICIPANT).build());
    }
    members.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    FederationLedger l = new FederationLedger(RoundAttackHarness.FED);
    accept(l, 1, act(0).setGenesis(Genesis.newBuilder().addAllMembers(members).setApprovalsRequired(1)));
    accept(l, 1, act(1).setLeader(LeaderAnnounced.getDefaultInstance()));
    RoundStarted.Builder s = RoundStarted.newBuilder().setRound(1).setBaseModel(ByteString.copyFrom(new byte[32]));
    h.cohort.stream().sorted().forEach(n -> s.addCohort(LedgerActs.toProto(n)));
    accept(l, 1, act(1).setRoundStarted(s));
    accept(l, 1, act(1).setUnmask(UnmaskAuthorised.newBuilder().setRound(1).setSurvivorsDigest(ByteString.copyFrom(
        SurvivorDigest.of(h.coordinator.plan(), survivorsAsCommitted, u.dropped())))));
    return l;
  }

  static LedgerMember.Builder member(SigningKey k) {
    return LedgerMember.newBuilder().setNode(LedgerActs.toProto(k.verifyingKey().nodeId()))
        .setIdentityKey(ByteString.copyFrom(k.verifyingKey().subjectPublicKeyInfo()));
  }

  static LedgerAct.Builder act(long term) {
    return LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(RoundAttackHarness.FED)).setTerm(term);
  }

  void accept(FederationLedger l, long term, LedgerAct.Builder act) {
    var reply = l.apply(term, LedgerActs.sign(act, c1));
    assertTrue(reply.getAccepted(), reply.getReason());
  }

  Set<NodeId> coordinators() {
    return new TreeSet<>(List.of(c1.verifyingKey().nodeId(), c2.verifyingKey().nodeId(), c3.verifyingKey().nodeId()));
  }

  long refusedUnmasks(RoundAttackHarness h) {
    return h.refusals.stream().filter(r -> r.refused().reason().equals("unmask_not_endorsed")).count();
  }

  @Test
  void aMajorityOfEndorsementsOfTheCommittedAuthorisationUnmasks() {
    RoundAttackHarness h = new RoundAttackHarness(5);
    h.fence = coordinators();
    h.endorse = u -> {
      FederationLedger l = ledgerAuthorising(h, u, u.survivors());
      return List.of(UnmaskEndorsements.endorse(l, 1, c1), UnmaskEndorsements.endorse(l, 1, c3));
    };
    h.start(1);
    RoundReport report = h.run();
    assertTrue(report.committed(), report.reason());
    assertEquals(0, refusedUnmasks(h));
  }

  @Test
  void theLeaderAloneOrAnotherSurvivorListUnmasksNothing() {
    for (int variant = 0; variant < 3; variant++) {
      RoundAttackHarness h = new RoundAttackHarness(5);
      h.fence = coordinators();
      int v = variant;
      h.endorse = u -> {
        if (v == 0) {
          return List.of(); // a coordinator acting alone, with no ledger behind it
        }
        if (v == 1) {
          FederationLedger l = ledgerAuthorising(h, u, u.survivors());
          return List.of(UnmaskEndorsements.endorse(l, 1, c1)); // its own endorsement only: 1 of 3
        }
        // A majority endorsed another survivor list than the one the request carries.
        int[] other = java.util.Arrays.copyOf(u.survivors(), u.survivors().length - 1);
        FederationLedger l = ledgerAuthorising(h, u, other);
        return List.of(UnmaskEndorsements.endorse(l, 1, c1), UnmaskEndorsements.endorse(l, 1, c2));
      };
      h.start(1);
      RoundReport report = h.run();
      assertFalse(report.committed(), "variant " + v + " must not unmask");
      assertEquals(5, refusedUnmasks(h), "variant " + v + ": every participant refuses the unmask request");
    }
  }
}
