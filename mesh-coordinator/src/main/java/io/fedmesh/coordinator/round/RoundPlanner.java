package io.fedmesh.coordinator.round;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.privacy.DdgRoundPlan;
import io.fedmesh.crypto.ddg.RandomizedHadamard;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.quantize.Modulus;
import io.fedmesh.crypto.quantize.Quantizer;
import io.fedmesh.crypto.secagg.shared.ParameterFinder;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.ModelRef;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.SecAggConfig;
import io.fedmesh.proto.v1.TrainingPlan;
import java.util.List;
import java.util.Locale;

/**
 * Turns a federation's settings and a chosen cohort into the round's plan: SecAgg+ always in
 * malicious-server mode, k and t from the parameter finder for the federation's dropout and
 * corruption targets, the unmask floor above (n + C) / 2, and the widest value grid that cannot wrap.
 */
public final class RoundPlanner {
  /** Bits of each participant's weight: 4,096 steps between nothing and the cap. */
  public static final int WEIGHT_BITS = 12;
  /** Masked-input uploads staged at once at the coordinator, unless the caller says otherwise. */
  public static final int MAX_CONCURRENT_UPLOADS = 16;
  /** Words per masked-input chunk: 1 MiB, well inside the envelope limit. */
  public static final int CHUNK_WORDS = 1 << 18;

  private RoundPlanner() {}

  /**
   * @param nonce 16 to 64 fresh random bytes for this round instance
   * @throws IllegalArgumentException if no k and t meet the targets for this cohort size
   */
  public static RoundPlan plan(String federation, FederationSettings settings, long round, List<NodeId> cohort,
      NodeId coordinator, ModelRef global, int vectorLength, byte[] nonce) {
    return plan(federation, settings, round, cohort, coordinator, global, vectorLength, nonce, MAX_CONCURRENT_UPLOADS);
  }

  /** @param maxConcurrentUploads masked-input uploads staged at once (0: no bound) */
  public static RoundPlan plan(String federation, FederationSettings settings, long round, List<NodeId> cohort,
      NodeId coordinator, ModelRef global, int vectorLength, byte[] nonce, int maxConcurrentUploads) {
    if (maxConcurrentUploads < 0) {
      throw new IllegalArgumentException("max concurrent uploads must be >= 0, got " + maxConcurrentUploads);
    }
    int n = cohort.size();
    ParameterFinder.Result kt = ParameterFinder.find(n, settings.targetDropout(), settings.targetCorrupt(),
        ParameterFinder.Adversary.MALICIOUS_SERVER);
    boolean ddg = settings.distributedNoise();
    int minSurvivors = minSurvivors(settings, n, kt);
    SecAggConfig.Builder secagg = SecAggConfig.newBuilder()
        .setFederation(FederationId.newBuilder().setName(federation))
        .setRound(round).setVectorLength(ddg ? RandomizedHadamard.paddedDimension(vectorLength) : vectorLength)
        .setNeighbours(kt.neighbours()).setThreshold(kt.threshold())
        .setChunkWords(Math.min(CHUNK_WORDS, SecAggParameters.MAX_CHUNK_WORDS))
        .setMaliciousServer(true)
        .setMinSurvivors(minSurvivors)
        .setCoordinator(id(coordinator))
        .setRoundNonce(ByteString.copyFrom(nonce));
    if (ddg) {
      // The participants encode themselves; the quantiser's fields only have to be valid.
      secagg.setClip(settings.clipNorm()).setValueBits(2).setWeightBits(0).setIntegerBits(settings.privacy().ddgBits());
    } else {
      secagg.setClip(settings.clipNorm()).setValueBits(valueBits(settings.clipNorm(), n)).setWeightBits(WEIGHT_BITS);
    }
    cohort.forEach(node -> secagg.addCohort(id(node)));
    PrivacyPlan.Builder privacy = PrivacyPlan.newBuilder();
    if (ddg) {
      privacy.setDdg(DdgRoundPlan.plan(settings, secagg.build(), vectorLength).toProto());
    }
    if (settings.privacy().dpSgd() != null) {
      var d = settings.privacy().dpSgd();
      privacy.setDpSgd(DpSgdPlan.newBuilder().setClipNorm(d.clipNorm()).setNoiseMultiplier(d.noiseMultiplier())
          .setBatchSize(d.batchSize()));
    }
    var t = settings.training();
    return RoundPlan.newBuilder()
        .setGlobalModel(global)
        .setModelSpec(settings.model().describe())
        .setTraining(TrainingPlan.newBuilder().setOptimizer(t.optimizer().name().toLowerCase(Locale.ROOT))
            .setLearningRate(t.learningRate()).setEpochs(t.epochs()).setBatchSize(t.batchSize())
            .setProximalMu(t.proximalMu()))
        .setClipNorm(settings.clipNorm())
        .setUnitWeights(settings.unitWeights())
        .setWeightCap(settings.weightCap())
        .setSecagg(secagg)
        .setTrainDeadlineMs((int) settings.trainDeadlineMillis())
        .setPhaseDeadlineMs((int) settings.phaseDeadlineMillis())
        .setMaxConcurrentUploads(maxConcurrentUploads)
        .setPrivacy(privacy)
        .build();
  }

  /**
   * The fewest survivors a round of {@code n} may unmask: above (n + C) / 2 always; under distributed
   * noise also n - D (and t), since the noise is sized for the cohort less tolerated dropouts D and
   * corrupt members C.
   */
  public static int minSurvivors(FederationSettings settings, int n) {
    return minSurvivors(settings, n, ParameterFinder.find(n, settings.targetDropout(), settings.targetCorrupt(),
        ParameterFinder.Adversary.MALICIOUS_SERVER));
  }

  private static int minSurvivors(FederationSettings settings, int n, ParameterFinder.Result kt) {
    int floor = ParameterFinder.minSurvivors(n, settings.targetCorrupt());
    if (!settings.distributedNoise()) {
      return floor;
    }
    return Math.max(floor, Math.max(kt.threshold(), n - ParameterFinder.clientsAt(n, settings.targetDropout())));
  }

  /** The widest value grid whose sum over n weighted values cannot wrap 32 bits. */
  static int valueBits(double clip, int n) {
    for (int bits = 31 - WEIGHT_BITS; bits >= 2; bits--) {
      try {
        new Quantizer(clip, bits, WEIGHT_BITS, Modulus.BITS_32).checkCapacity(n);
        return bits;
      } catch (RuntimeException tooWide) {
        // one bit fewer
      }
    }
    throw new IllegalArgumentException(n + " participants are too many to sum with " + WEIGHT_BITS + "-bit weights in 32 bits");
  }

  static io.fedmesh.proto.v1.NodeId id(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
