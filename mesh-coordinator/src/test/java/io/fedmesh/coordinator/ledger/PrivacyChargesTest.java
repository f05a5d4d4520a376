package io.fedmesh.coordinator.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.proto.v1.BudgetRefused;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LeaderAnnounced;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.ModelVersion;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.RoundCommitted;
import io.fedmesh.proto.v1.RoundStarted;
import io.fedmesh.proto.v1.UnmaskAuthorised;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A federation with a small epsilon runs rounds until the next would exceed its budget, then refuses,
 * the coordinator's decisions and the ledger's records together; the epsilon spent matches the
 * accountant's for the same number of rounds.
 */
class PrivacyChargesTest {
  static final String FED = "tiny-budget";
  final SigningKey admin = SigningKey.generate(SimulationRandom.fromSeed(1));
  final SigningKey coordinator = SigningKey.generate(SimulationRandom.fromSeed(2));
  final SigningKey p1 = SigningKey.generate(SimulationRandom.fromSeed(3));
  final SigningKey p2 = SigningKey.generate(SimulationRandom.fromSeed(4));

  LedgerAct.Builder act() {
    return LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(FED)).setTerm(1);
  }

  static LedgerMember member(SigningKey k, Role role) {
    LedgerMember.Builder m = LedgerMember.newBuilder().setNode(LedgerActs.toProto(k.verifyingKey().nodeId()))
        .setIdentityKey(ByteString.copyFrom(k.verifyingKey().subjectPublicKeyInfo())).addRoles(role);
    if (role == Role.ROLE_COORDINATOR_ELIGIBLE) {
      m.setRaftAddress("127.0.0.1:7401");
    }
    return m.build();
  }

  LedgerReply apply(FederationLedger l, LedgerAct.Builder a, SigningKey by) {
    return l.apply(1, LedgerActs.sign(a, by));
  }

  @Test
  void roundsRunUntilTheNextWouldExceedTheBudgetThenTheCoordinatorRefuses() {
    double sampling = 1.0;
    double noise = 2.0;
    double epsilon = 3.0;
    double delta = 1e-5;
    List<LedgerMember> members = new ArrayList<>(List.of(member(admin, Role.ROLE_ADMIN), member(coordinator, Role.ROLE_COORDINATOR_ELIGIBLE),
        member(p1, Role.ROLE_PARTICIPANT), member(p2, Role.ROLE_PARTICIPANT)));
    members.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    FederationLedger l = new FederationLedger(FED);
    assertTrue(apply(l, act().setTerm(0).setGenesis(Genesis.newBuilder().addAllMembers(members).setApprovalsRequired(1)
        .setBudget(PrivacyBudget.newBuilder().setEpsilon(epsilon).setDelta(delta))), admin).getAccepted());
    assertTrue(apply(l, act().setLeader(LeaderAnnounced.getDefaultInstance()), coordinator).getAccepted());
    ByteString model = ByteString.copyFrom(new byte[32]);
    int committed = 0;
    Optional<String> refusal = Optional.empty();
    for (long round = 1; round <= 100 && refusal.isEmpty(); round++) {
      PrivacyCharges.Decision d = PrivacyCharges.decide(l.budget(), l.spent(), sampling, noise, round);
      refusal = d.refusal();
      if (refusal.isPresent()) {
        assertTrue(apply(l, act().setBudgetRefused(BudgetRefused.newBuilder().setRound(round).setCharge(d.charge())
            .setReason(refusal.get())), coordinator).getAccepted());
        break;
      }
      List<io.fedmesh.proto.v1.NodeId> cohort = members.stream().filter(m -> m.getRoles(0) == Role.ROLE_PARTICIPANT)
          .map(LedgerMember::getNode).toList();
      assertTrue(apply(l, act().setRoundStarted(RoundStarted.newBuilder().setRound(round).setBaseModel(model).addAllCohort(cohort)
          .setCharge(d.charge())), coordinator).getAccepted());
      assertTrue(apply(l, act().setUnmask(UnmaskAuthorised.newBuilder().setRound(round).setSurvivorsDigest(model)), coordinator)
          .getAccepted());
      ByteString next = ByteString.copyFrom(java.nio.ByteBuffer.allocate(32).putLong(round).array());
      assertTrue(apply(l, act().setRoundCommitted(RoundCommitted.newBuilder().setRound(round).setModel(ModelVersion.newBuilder()
          .setSha256(next).setSizeBytes(8).setParent(model).setRound(round))), coordinator).getAccepted());
      model = next;
      committed++;
    }
    assertTrue(refusal.isPresent(), "the budget must run out");
    assertTrue(refusal.get().contains("past the federation's budget of 3.0"), refusal.get());
    // The spent budget is the accountant's for exactly the committed rounds, within the budget; one more is not.
    double spent = PrivacyCharges.epsilonSpent(l.spent(), delta);
    double accountant = RdpAccountant.epsilon(sampling, noise, committed, delta).epsilon();
    assertEquals(Math.ceil(accountant * 1e4) / 1e4, spent, 1e-9);
    assertTrue(accountant <= epsilon);
    assertTrue(RdpAccountant.epsilon(sampling, noise, committed + 1, delta).epsilon() > epsilon);
    assertTrue(committed >= 1);
    // The refusal is on the audit chain, and the chain verifies.
    assertEquals(LedgerAct.BodyCase.BUDGET_REFUSED, l.records().get(l.records().size() - 1).getAct().getBodyCase());
    assertTrue(AuditChain.verify(FED, l.records()).isEmpty());
    // A round without a charge in a federation with a budget (a coordinator dodging the accounting) is refused.
    List<io.fedmesh.proto.v1.NodeId> cohort = members.stream().filter(m -> m.getRoles(0) == Role.ROLE_PARTICIPANT)
        .map(LedgerMember::getNode).toList();
    LedgerReply noCharge = apply(l, act().setRoundStarted(RoundStarted.newBuilder().setRound(l.lastRound() + 1).setBaseModel(model)
        .addAllCohort(cohort)), coordinator);
    assertFalse(noCharge.getAccepted());
    assertTrue(noCharge.getReason().contains("a charge needs"), noCharge.getReason());
    // Nor can it start the round with a charge the ledger sees would overspend (it checks the sum itself).
    PrivacyCharges.Decision over = PrivacyCharges.decide(l.budget(), l.spent(), sampling, noise, l.lastRound() + 1);
    LedgerReply overspend = apply(l, act().setRoundStarted(RoundStarted.newBuilder().setRound(l.lastRound() + 1).setBaseModel(model)
        .addAllCohort(cohort).setCharge(over.charge())), coordinator);
    assertFalse(overspend.getAccepted());
    assertTrue(overspend.getReason().contains("past the federation's budget"), overspend.getReason());
  }

  @Test
  void aBudgetWithoutNoiseRefusesEveryRound() {
    PrivacyCharges.Decision d = PrivacyCharges.decide(PrivacyBudget.newBuilder().setEpsilon(1).setDelta(1e-5).build(),
        io.fedmesh.proto.v1.RdpCharge.getDefaultInstance(), 1.0, 0, 1);
    assertTrue(d.refusal().orElseThrow().contains("add no noise"));
    assertFalse(PrivacyCharges.decide(PrivacyBudget.getDefaultInstance(), io.fedmesh.proto.v1.RdpCharge.getDefaultInstance(), 1, 0, 1)
        .refusal().isPresent());
  }
}
