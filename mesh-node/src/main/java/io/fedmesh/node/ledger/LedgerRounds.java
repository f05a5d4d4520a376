package io.fedmesh.node.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.PrivacyCharges;
import io.fedmesh.coordinator.ledger.SurvivorDigest;
import io.fedmesh.coordinator.round.RoundReport;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.round.RoundLedger;
import io.fedmesh.proto.v1.BudgetRefused;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.ModelVersion;
import io.fedmesh.proto.v1.RdpCharge;
import io.fedmesh.proto.v1.RoundAborted;
import io.fedmesh.proto.v1.RoundCommitted;
import io.fedmesh.proto.v1.RoundStarted;
import io.fedmesh.proto.v1.UnmaskAuthorised;
import io.fedmesh.proto.v1.UnmaskEndorsement;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An elected coordinator's rounds in the federation ledger, as acts of the term it was elected in:
 * each step commits before the round goes on, so when this node is deposed its later steps are refused
 * and its round ends there. The privacy budget is checked and charged here: the coordinator computes
 * the round's per-order RDP and the ledger adds the committed numbers.
 */
final class LedgerRounds implements RoundLedger {
  private final NodeLedgers ledgers;
  private final String federation;
  private final long term;
  private final FederationSettings settings;
  private final UnmaskEndorsementCollector endorsements;

  LedgerRounds(NodeLedgers ledgers, String federation, long term, FederationSettings settings) {
    this.ledgers = ledgers;
    this.federation = federation;
    this.term = term;
    this.settings = settings;
    this.endorsements = new UnmaskEndorsementCollector(ledgers, federation, settings.phaseDeadlineMillis());
  }

  private <T> T read(java.util.function.Function<FederationLedger, T> reader) {
    return ledgers.read(federation, reader).orElseThrow(() -> new IllegalStateException("no ledger of '" + federation + "' here"));
  }

  @Override
  public long lastRound() {
    return read(FederationLedger::lastRound);
  }

  @Override
  public long lastCommittedRound() {
    return read(l -> l.lastModel().map(ModelVersion::getRound).orElse(0L));
  }

  @Override
  public String lastModel() {
    return read(l -> l.lastModel().map(m -> HexFormat.of().formatHex(m.getSha256().toByteArray())).orElse(""));
  }

  private CompletableFuture<LedgerReply> commit(LedgerAct.Builder body) {
    return ledgers.submit(federation, ledgers.sign(federation, term, body)).thenApply(reply -> {
      if (!reply.getAccepted()) {
        throw new java.util.concurrent.CompletionException(new Refused(reply.getReason(), true));
      }
      return reply;
    });
  }

  @Override
  public CompletableFuture<Void> started(long round, String baseModel, List<NodeId> cohort, int roundsLeft,
      io.fedmesh.proto.v1.RoundPlan plan) {
    java.util.Optional<io.fedmesh.ml.privacy.RdpBudget> one;
    try {
      // The federation's guarantee is about the models it releases: amplified by its sampling rate.
      one = io.fedmesh.coordinator.privacy.RoundPrivacy.charge(settings, plan, settings.sampling());
    } catch (IllegalArgumentException e) {
      return refuse(round, RdpCharge.getDefaultInstance(), "the round's noise cannot be accounted: " + e.getMessage());
    }
    PrivacyCharges.Decision decision = PrivacyCharges.decide(read(FederationLedger::budget), read(FederationLedger::spent),
        one, round);
    RdpCharge charge = decision.charge();
    if (decision.refusal().isPresent()) {
      return refuse(round, charge, decision.refusal().get());
    }
    RoundStarted.Builder s = RoundStarted.newBuilder().setRound(round).setBaseModel(ByteString.fromHex(baseModel))
        .setCharge(charge).setRoundsLeft(roundsLeft);
    cohort.stream().sorted().forEach(n -> s.addCohort(io.fedmesh.proto.v1.NodeId.newBuilder()
        .setSha256(ByteString.copyFrom(n.toBytes()))));
    return commit(LedgerAct.newBuilder().setRoundStarted(s)).thenApply(r -> null);
  }

  private CompletableFuture<Void> refuse(long round, RdpCharge charge, String reason) {
    return ledgers.submit(federation, ledgers.sign(federation, term, LedgerAct.newBuilder().setBudgetRefused(
            BudgetRefused.newBuilder().setRound(round).setCharge(charge).setReason(reason))))
        .handle((reply, failure) -> {
          throw new java.util.concurrent.CompletionException(new Refused(reason, false));
        });
  }

  @Override
  public CompletableFuture<List<UnmaskEndorsement>> unmaskAuthorised(io.fedmesh.proto.v1.RoundPlan plan, long round,
      int[] survivors, int[] dropped) {
    ByteString digest = ByteString.copyFrom(SurvivorDigest.of(plan, survivors, dropped));
    return commit(LedgerAct.newBuilder().setUnmask(UnmaskAuthorised.newBuilder().setRound(round).setSurvivorsDigest(digest)))
        .thenCompose(reply -> endorsements.collect(round, digest));
  }

  @Override
  public CompletableFuture<Void> committed(RoundReport report, String baseModel, long modelBytes) {
    ModelVersion.Builder m = ModelVersion.newBuilder()
        .setSha256(ByteString.fromHex(report.modelSha256()))
        .setSizeBytes(modelBytes)
        .setParent(ByteString.fromHex(baseModel))
        .setRound(report.round())
        .setContributors(report.contributors());
    var e = report.evaluation();
    if (e != null && e.examples() > 0 && finite(e.meanLoss(), e.accuracy())) {
      m.setEvaluationExamples(e.examples()).setLoss(e.meanLoss()).setAccuracy(e.accuracy());
      if (!Double.isNaN(e.auc())) {
        m.setAuc(e.auc());
      }
    }
    return commit(LedgerAct.newBuilder().setRoundCommitted(RoundCommitted.newBuilder().setRound(report.round()).setModel(m)))
        .thenApply(r -> null);
  }

  private static boolean finite(double... values) {
    for (double v : values) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public CompletableFuture<Void> aborted(long round, String reason) {
    String line = reason.replace('\n', ' ');
    if (line.isEmpty()) {
      line = "aborted";
    }
    if (line.length() > 500) {
      line = line.substring(0, 497) + "...";
    }
    boolean open = read(l -> l.openRound().filter(r -> r.round() == round).isPresent());
    if (!open) {
      return CompletableFuture.completedFuture(null); // never started in the ledger, or already ended there
    }
    return commit(LedgerAct.newBuilder().setRoundAborted(RoundAborted.newBuilder().setRound(round).setReason(line)))
        .thenApply(r -> null);
  }
}
