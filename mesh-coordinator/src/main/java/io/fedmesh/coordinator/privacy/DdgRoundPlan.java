package io.fedmesh.coordinator.privacy;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.ddg.DdgSpec;
import io.fedmesh.crypto.ddg.RandomizedHadamard;
import io.fedmesh.crypto.noise.DiscreteGaussian;
import io.fedmesh.crypto.secagg.shared.ParameterFinder;
import io.fedmesh.proto.v1.SecAggConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One round's distributed discrete Gaussian parameters, derived from the federation's settings (the same
 * on every member) and the round's secure-aggregation config (which every advertisement signs), with
 * strict floating point only: the coordinator derives the plan it sends, and each participant derives it
 * again and declines a plan that differs. So a coordinator cannot tell one participant to add less noise,
 * or claim more honest survivors than the cohort can have.
 *
 * <p>Noise: the honest survivors' noise together has standard deviation sigma C (sigma the federation's noise
 * multiplier, C its clip norm), as central DP's. Each participant adds 1/h of that variance, h = min_survivors
 * less the corrupt participants the federation tolerates: a round never unmasks fewer survivors than
 * min_survivors (the engine enforces it), so at least h honest noises are in any sum it reveals. The
 * coordinator sets min_survivors to n - D for D tolerated dropouts in these rounds (the "cohort minus
 * dropout minus corrupt"); a lying coordinator that sets it otherwise only moves noise and abort together. Scale: gamma is
 * the smallest step with which the sum of the whole cohort (every update pointing the same way, then spread
 * by the rotation, plus everyone's noise and rounding) stays within k standard deviations of the modulus,
 * k chosen so that any of the d coordinates wraps with probability below 10^-3.
 */
public final class DdgRoundPlan {
  /** Chance that any coordinate of a round's sum wraps around the modulus, at most. */
  static final double WRAP_PROBABILITY = 1e-3;

  private DdgRoundPlan() {}

  /**
   * @param modelLength the update's length (before padding)
   * <p>Only for malicious-server configs: the noise is sized for min_survivors, and only that mode makes
   * clients refuse to unmask fewer (in curious mode they unmask down to t, which may be fewer than the
   * n/2 + 1 this would assume). The fewest survivors is the engine's own reading, never below t.
   *
   * @throws IllegalArgumentException if the federation does not use distributed noise, the config is not in
   *     malicious-server mode, or no scale fits the sum in the modulus (too few bits for this cohort and noise)
   */
  public static DdgSpec plan(FederationSettings settings, SecAggConfig secagg, int modelLength) {
    if (!secagg.getMaliciousServer()) {
      throw new IllegalArgumentException("distributed noise needs SecAgg+ in malicious-server mode: only it makes"
          + " clients refuse to unmask fewer than min_survivors, which the noise is sized for");
    }
    int n = secagg.getCohortCount();
    int minSurvivors = Math.max(secagg.getThreshold(), secagg.getMinSurvivors() != 0 ? secagg.getMinSurvivors() : n / 2 + 1);
    return plan(settings, n, minSurvivors, modelLength, rotationSeed(secagg));
  }

  /**
   * The plan for a cohort of {@code n} that unmasks no fewer than {@code minSurvivors}; {@code seed} is the
   * rotation's (any 32 bytes when the plan is only accounted, since the seed does not change the noise).
   */
  public static DdgSpec plan(FederationSettings settings, int n, int minSurvivors, int modelLength, byte[] seed) {
    if (!settings.distributedNoise()) {
      throw new IllegalArgumentException("the federation's noise is not distributed");
    }
    int corrupt = ParameterFinder.clientsAt(n, settings.targetCorrupt());
    int honest = minSurvivors - corrupt;
    if (honest < 1) {
      throw new IllegalArgumentException("a cohort of " + n + " with " + corrupt + " corrupt tolerated leaves no honest survivor");
    }
    int d = RandomizedHadamard.paddedDimension(modelLength);
    int bits = settings.privacy().ddgBits();
    double c = settings.clipNorm();
    double z = settings.noiseMultiplier();
    double k = StrictMath.sqrt(2 * StrictMath.log(2.0 * d / WRAP_PROBABILITY));
    double half = StrictMath.scalb(1.0, bits - 1);
    // Integer-unit variance of one coordinate of the cohort's sum, times gamma^2: aligned signal spread
    // over d coordinates, plus n participants' noise at (z c)^2 / h each; rounding adds n/4 steps^2.
    double scaledVariance = (double) n * n * c * c / d + (double) n * z * z * c * c / honest;
    double room = half * half / (k * k) - n / 4.0;
    if (!(room > 0)) {
      throw new IllegalArgumentException(bits + " bits per coordinate cannot hold the sum of " + n
          + " participants' rounding alone; use more bits or a smaller cohort");
    }
    double gamma = StrictMath.sqrt(scaledVariance / room);
    double localVariance = z * z * c * c / (honest * gamma * gamma);
    DiscreteGaussian noise = DiscreteGaussian.ofVarianceAtLeast(localVariance);
    return new DdgSpec(bits, gamma, settings.privacy().ddgBeta(), c, noise, d, seed, honest);
  }

  /**
   * The rotation's public seed: SHA-256 over the round's federation, number and nonce, so it is fresh
   * for every round instance and every participant derives the same one.
   */
  static byte[] rotationSeed(SecAggConfig secagg) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("fedmesh ddg rotation v1\0".getBytes(StandardCharsets.US_ASCII));
      sha.update(secagg.getFederation().getName().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(java.nio.ByteBuffer.allocate(8).putLong(secagg.getRound()).array());
      sha.update(secagg.getRoundNonce().toByteArray());
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
