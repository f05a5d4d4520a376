package io.fedmesh.coordinator.federation;

import java.util.Locale;

/**
 * Who adds a federation's noise, beyond the client-level noise multiplier of {@link FederationSettings}.
 *
 * @param mode CENTRAL: the coordinator noises the sum (it is trusted with the un-noised sum);
 *     DISTRIBUTED: each participant adds its share with the distributed discrete Gaussian inside secure
 *     aggregation (no one is trusted). Matters only when the noise multiplier is above 0.
 * @param ddgBits distributed mode: bits per coordinate of the modulus the participants wrap into, 2 to 32
 *     (32: the secure-aggregation engine's words; fewer is the bandwidth the paper targets, measured in
 *     simulation only, since the wire still carries 32-bit words)
 * @param ddgBeta distributed mode: conditional rounding's bias parameter, in [0, 1)
 * @param dpSgd record-level DP-SGD every participant runs in local training, or null for none
 */
public record PrivacySettings(Mode mode, int ddgBits, double ddgBeta, DpSgd dpSgd) {
  /** Who adds the client-level noise. */
  public enum Mode {
    CENTRAL, DISTRIBUTED;

    /** "central" or "distributed". */
    public static Mode parse(String text) {
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "central" -> CENTRAL;
        case "distributed", "ddg" -> DISTRIBUTED;
        default -> throw new IllegalArgumentException("DP mode '" + text + "' is not central or distributed");
      };
    }

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * DP-SGD (Abadi et al. 2016) in each participant's training.
   *
   * @param clipNorm per-example L2 norm C
   * @param noiseMultiplier sigma: noise standard deviation sigma C on each summed batch gradient
   * @param batchSize the expected (Poisson) batch size
   */
  public record DpSgd(double clipNorm, double noiseMultiplier, int batchSize) {
    public DpSgd {
      if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
        throw new IllegalArgumentException("DP-SGD clip norm must be positive and finite, got " + clipNorm);
      }
      if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
        throw new IllegalArgumentException("DP-SGD noise multiplier must be positive and finite, got " + noiseMultiplier);
      }
      if (batchSize < 1 || batchSize > 1_000_000) {
        throw new IllegalArgumentException("DP-SGD batch size must be in [1, 1000000], got " + batchSize);
      }
    }
  }

  /** The paper's choice, e^-0.5. */
  public static final double DEFAULT_BETA = Math.exp(-0.5);

  public PrivacySettings {
    if (mode == null) {
      throw new IllegalArgumentException("a DP mode is required");
    }
    if (ddgBits < 2 || ddgBits > 32) {
      throw new IllegalArgumentException("DDG bits must be in [2, 32], got " + ddgBits);
    }
    if (!(ddgBeta >= 0 && ddgBeta < 1)) {
      throw new IllegalArgumentException("DDG beta must be in [0, 1), got " + ddgBeta);
    }
  }

  /** Central noise, 32-bit DDG words if switched to distributed, no DP-SGD. */
  public static PrivacySettings central() {
    return new PrivacySettings(Mode.CENTRAL, 32, DEFAULT_BETA, null);
  }

  public PrivacySettings withDpSgd(DpSgd d) {
    return new PrivacySettings(mode, ddgBits, ddgBeta, d);
  }
}
