package io.fedmesh.coordinator.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.secagg.shared.ParameterFinder;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.RoundMessage;
import io.fedmesh.proto.v1.RoundPlan;
import java.util.Arrays;
import java.util.Optional;

/**
 * A participant's checks of an invitation, before it fetches, trains or reveals anything: whoever
 * sent it, the round must be one its policy and its federation's settings allow. Each failure is one
 * line, sent back as the decline's reason.
 */
public final class PolicyCheck {
  private PolicyCheck() {}

  /**
   * @param participants who may be in a cohort: the federation's members with the participant role (the
   *     federation state, the same on every member); a cohort naming anyone else is refused, so a
   *     coordinator cannot surround a participant with identities it made up
   * @param from the invitation envelope's verified sender
   * @param lastRound the highest round this participant has joined in this federation (0: none)
   * @param consecutiveAborts rounds of this coordinator aborted in a row
   * @return why the participant declines, or empty if it takes part
   */
  public static Optional<String> check(String federation, FederationSettings settings, ParticipantPolicy policy,
      java.util.function.Predicate<NodeId> participants, NodeId self, NodeId from, RoundMessage invitation, long lastRound,
      int consecutiveAborts) {
    RoundPlan plan = invitation.getInvitation().getPlan();
    var secagg = plan.getSecagg();
    boolean accepted = policy.coordinators().isEmpty() ? from.equals(settings.coordinator()) : policy.coordinators().contains(from);
    if (!accepted) {
      return Optional.of("node " + from.shortForm() + " is not a coordinator this participant accepts");
    }
    if (consecutiveAborts >= policy.maxConsecutiveAborts()) {
      return Optional.of(consecutiveAborts + " rounds of this coordinator aborted in a row (policy max_consecutive_aborts "
          + policy.maxConsecutiveAborts() + "): not answering it until an operator resets this node");
    }
    if (invitation.getRound() <= lastRound) {
      return Optional.of("round " + invitation.getRound() + " is not higher than round " + lastRound + ", already joined");
    }
    if (secagg.getRound() != invitation.getRound() || !secagg.getRoundNonce().equals(invitation.getRoundNonce())
        || !secagg.getFederation().getName().equals(federation) || !plan.getGlobalModel().getFederation().getName().equals(federation)) {
      return Optional.of("the plan names another round, instance or federation than its message");
    }
    if (!Arrays.equals(secagg.getCoordinator().getSha256().toByteArray(), from.toBytes())) {
      return Optional.of("the plan names another coordinator than the sender");
    }
    if (policy.requireMaliciousServer() && !secagg.getMaliciousServer()) {
      return Optional.of("policy requires SecAgg+ in malicious-server mode");
    }
    SecAggParameters params;
    try {
      params = new SecAggParameters(secagg);
    } catch (RuntimeException e) {
      return Optional.of("the round's secure aggregation parameters are invalid: " + e.getMessage());
    }
    int n = params.clients();
    int me = indexOf(plan, self);
    if (me < 0) {
      return Optional.of("this node is not in the round's cohort");
    }
    for (var member : secagg.getCohortList()) {
      if (member.getSha256().size() != NodeId.BYTES || !participants.test(NodeId.ofBytes(member.getSha256().toByteArray()))) {
        return Optional.of("the cohort names a node that is not a participant of federation '" + federation + "'");
      }
    }
    if (n < policy.minCohort()) {
      return Optional.of("cohort of " + n + " is below policy min_cohort " + policy.minCohort());
    }
    if (params.threshold() < policy.minThreshold()) {
      return Optional.of("threshold " + params.threshold() + " is below policy min_threshold " + policy.minThreshold());
    }
    try {
      ParameterFinder.checkManual(n, params.neighbours(), params.threshold(), policy.targetDropout(), policy.targetCorrupt(),
          ParameterFinder.Adversary.MALICIOUS_SERVER, false);
    } catch (IllegalArgumentException e) {
      return Optional.of("k=" + params.neighbours() + ", t=" + params.threshold() + " fail this participant's targets: " + e.getMessage());
    }
    if (secagg.getMaliciousServer() && params.minSurvivors() < ParameterFinder.minSurvivors(n, policy.targetCorrupt())) {
      return Optional.of("min_survivors " + params.minSurvivors() + " is below " + ParameterFinder.minSurvivors(n, policy.targetCorrupt())
          + " for this participant's corrupt target");
    }
    // The federation's settings are the same on every member: a plan that differs is not the federation's.
    if (!plan.getModelSpec().equals(settings.model().describe())) {
      return Optional.of("the plan's model '" + plan.getModelSpec() + "' is not the federation's '" + settings.model().describe() + "'");
    }
    if (plan.getClipNorm() != settings.clipNorm() || secagg.getClip() != settings.clipNorm()) {
      return Optional.of("the plan's clip norm " + plan.getClipNorm() + " is not the federation's " + settings.clipNorm());
    }
    if (plan.getUnitWeights() != settings.unitWeights() || plan.getWeightCap() != settings.weightCap()) {
      return Optional.of("the plan's weights (unit " + plan.getUnitWeights() + ", cap " + plan.getWeightCap()
          + ") are not the federation's");
    }
    var t = plan.getTraining();
    var own = settings.training();
    if (!t.getOptimizer().equalsIgnoreCase(own.optimizer().name()) || t.getLearningRate() != own.learningRate()
        || t.getEpochs() != own.epochs() || t.getBatchSize() != own.batchSize() || t.getProximalMu() != own.proximalMu()) {
      return Optional.of("the plan's training options are not the federation's");
    }
    if (plan.getTrainDeadlineMs() != settings.trainDeadlineMillis() || plan.getPhaseDeadlineMs() != settings.phaseDeadlineMillis()) {
      // Deadlines set how long this participant waits: a plan's must be the federation's.
      return Optional.of("the plan's deadlines (" + plan.getTrainDeadlineMs() + ", " + plan.getPhaseDeadlineMs()
          + " ms) are not the federation's");
    }
    long bytes = plan.getGlobalModel().getSizeBytes();
    var algorithm = settings.algorithm();
    if (bytes % Float.BYTES != 0 || bytes < Float.BYTES || bytes / Float.BYTES > Integer.MAX_VALUE
        || (bytes / Float.BYTES) % (1 + algorithm.stateVectors()) != 0) {
      return Optional.of("the global state's size does not fit " + algorithm.text());
    }
    int model = algorithm.modelLength((int) (bytes / Float.BYTES));
    if ((long) model * algorithm.summedVectors() > secagg.getVectorLength()) {
      return Optional.of("the global model's size does not match the vector length");
    }
    return privacy(settings, plan, algorithm.summedLength(model));
  }

  /** The global state's length, from the plan's global model (checked by {@link #check} first). */
  static int stateLength(RoundPlan plan) {
    return (int) (plan.getGlobalModel().getSizeBytes() / Float.BYTES);
  }

  /**
   * The plan's privacy must be the federation's: the same mode, and under distributed noise exactly the
   * encoding this participant derives itself from the settings and the signed SecAgg config, so that no
   * coordinator can have it add less noise than the federation decided, or spread it over more honest
   * survivors than the round can have.
   */
  private static Optional<String> privacy(FederationSettings settings, RoundPlan plan, int modelLength) {
    var secagg = plan.getSecagg();
    var p = plan.getPrivacy();
    if (settings.distributedNoise()) {
      if (!p.hasDdg() || secagg.getIntegerBits() != settings.privacy().ddgBits()) {
        return Optional.of("the federation adds distributed noise and the plan does not say so");
      }
      io.fedmesh.crypto.ddg.DdgSpec own;
      io.fedmesh.crypto.ddg.DdgSpec theirs;
      try {
        own = io.fedmesh.coordinator.privacy.DdgRoundPlan.plan(settings, secagg, modelLength);
        theirs = io.fedmesh.crypto.ddg.DdgSpec.fromProto(p.getDdg(), modelLength);
      } catch (IllegalArgumentException e) {
        return Optional.of("the round's distributed noise cannot be planned: " + e.getMessage());
      }
      if (!own.equals(theirs) || secagg.getVectorLength() != own.paddedDimension()) {
        return Optional.of("the plan's distributed noise is not the one the federation's settings give for this round"
            + " (this participant derived " + own + ")");
      }
    } else if (p.hasDdg() || secagg.getIntegerBits() != 0 || secagg.getVectorLength() != modelLength) {
      return Optional.of("the plan asks for distributed noise the federation does not use");
    }
    var dpSgd = settings.privacy().dpSgd();
    if (dpSgd == null ? p.hasDpSgd() : !p.hasDpSgd() || p.getDpSgd().getClipNorm() != dpSgd.clipNorm()
        || p.getDpSgd().getNoiseMultiplier() != dpSgd.noiseMultiplier() || p.getDpSgd().getBatchSize() != dpSgd.batchSize()) {
      return Optional.of("the plan's DP-SGD is not the federation's");
    }
    return Optional.empty();
  }

  static int indexOf(RoundPlan plan, NodeId self) {
    byte[] me = self.toBytes();
    int found = -1;
    for (int i = 0; i < plan.getSecagg().getCohortCount(); i++) {
      if (Arrays.equals(plan.getSecagg().getCohort(i).getSha256().toByteArray(), me)) {
        if (found >= 0) {
          return -1;
        }
        found = i;
      }
    }
    return found;
  }
}
