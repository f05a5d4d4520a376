package io.fedmesh.crypto.ddg;

import io.fedmesh.crypto.noise.DiscreteGaussian;
import io.fedmesh.proto.v1.DdgEncoding;
import java.math.BigInteger;

/**
 * One round's distributed discrete Gaussian parameters, checked. Built from the round plan a
 * participant received (hostile until checked: every field is validated here) or by the coordinator
 * from its plan.
 *
 * @param bits the modulus is 2^bits, 2 to 32
 * @param gamma update units per integer step
 * @param beta conditional rounding's bias parameter, in [0, 1); 0 means the norm bound that always holds
 * @param clipNorm the L2 norm updates are clipped to
 * @param noise each participant's discrete Gaussian (exact rational variance, integer units)
 * @param paddedDimension the rotated length, a power of two
 * @param rotationSeed 32 public bytes, fresh per round
 * @param honestSurvivors the honest participants the noise is sized for
 */
public record DdgSpec(int bits, double gamma, double beta, double clipNorm, DiscreteGaussian noise, int paddedDimension,
    byte[] rotationSeed, int honestSurvivors) {
  public static final int SEED_BYTES = 32;
  /** Retries of the conditional rounding before a participant gives up (expected tries: 1 / (1 - beta)). */
  public static final int MAX_ROUNDING_TRIES = 1000;

  public DdgSpec {
    if (bits < 2 || bits > 32) {
      throw new IllegalArgumentException("DDG bits must be in [2, 32], got " + bits);
    }
    if (!(gamma > 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException("DDG gamma must be positive and finite, got " + gamma);
    }
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("DDG beta must be in [0, 1), got " + beta);
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("DDG clip norm must be positive and finite, got " + clipNorm);
    }
    if (noise == null) {
      throw new IllegalArgumentException("DDG needs a noise distribution");
    }
    if (paddedDimension < 1 || paddedDimension > 1 << 30 || Integer.bitCount(paddedDimension) != 1) {
      throw new IllegalArgumentException("DDG padded dimension must be a power of two up to 2^30, got " + paddedDimension);
    }
    if (rotationSeed == null || rotationSeed.length != SEED_BYTES) {
      throw new IllegalArgumentException("DDG rotation seed must be " + SEED_BYTES + " bytes");
    }
    rotationSeed = rotationSeed.clone();
    if (honestSurvivors < 1) {
      throw new IllegalArgumentException("DDG noise must be sized for at least one honest survivor, got " + honestSurvivors);
    }
    // One step must be small against the clipped update, and the scaled norm must fit in a long: a
    // gamma that makes clip / gamma astronomically large (or tiny) is a misconfiguration or an attack.
    double scaledClip = clipNorm / gamma;
    if (!(scaledClip <= 0x1p52) || scaledClip < 1e-6) {
      throw new IllegalArgumentException("DDG clip / gamma = " + scaledClip + " is outside [1e-6, 2^52]");
    }
  }

  /** Checks a plan's encoding against the update length the round sums. */
  public static DdgSpec fromProto(DdgEncoding e, int updateLength) {
    if (e.getNoiseVarianceNumerator() <= 0 || e.getNoiseVarianceDenominator() <= 0) {
      throw new IllegalArgumentException("DDG noise variance must be a positive fraction");
    }
    DiscreteGaussian noise;
    try {
      noise = DiscreteGaussian.ofVariance(BigInteger.valueOf(e.getNoiseVarianceNumerator()),
          BigInteger.valueOf(e.getNoiseVarianceDenominator()));
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException("DDG noise variance: " + ex.getMessage());
    }
    DdgSpec spec = new DdgSpec(e.getBits(), e.getGamma(), e.getBeta(), e.getClipNorm(), noise, e.getPaddedDimension(),
        e.getRotationSeed().toByteArray(), e.getHonestSurvivors());
    if (spec.paddedDimension != RandomizedHadamard.paddedDimension(updateLength)) {
      throw new IllegalArgumentException("DDG padded dimension " + spec.paddedDimension + " is not the power of two for "
          + updateLength + " parameters (" + RandomizedHadamard.paddedDimension(updateLength) + ")");
    }
    return spec;
  }

  /** The noise variance as a double (for reports and error estimates; sampling uses the exact fraction). */
  public double noiseVariance() {
    return new java.math.BigDecimal(noise.varianceNumerator()).divide(new java.math.BigDecimal(noise.varianceDenominator()),
        java.math.MathContext.DECIMAL64).doubleValue();
  }

  public DdgEncoding toProto() {
    return DdgEncoding.newBuilder().setBits(bits).setGamma(gamma).setBeta(beta).setClipNorm(clipNorm)
        .setNoiseVarianceNumerator(noise.varianceNumerator().longValueExact())
        .setNoiseVarianceDenominator(noise.varianceDenominator().longValueExact()).setPaddedDimension(paddedDimension)
        .setRotationSeed(com.google.protobuf.ByteString.copyFrom(rotationSeed)).setHonestSurvivors(honestSurvivors).build();
  }

  @Override
  public byte[] rotationSeed() {
    return rotationSeed.clone();
  }

  /**
   * The bound on the rounded vector's L2 norm, in integer units (the paper's conditional rounding): always
   * at most c/gamma + sqrt(d); with beta > 0, also sqrt(c^2/gamma^2 + d/4 + sqrt(2 ln(1/beta)) (c/gamma + sqrt(d)/2)),
   * which plain randomised rounding meets with probability at least 1 - beta. The accountant's L2
   * sensitivity is this bound, so a participant re-rounds until its vector is within it.
   */
  public double normBound() {
    double c = clipNorm / gamma;
    double d = paddedDimension;
    double always = c + Math.sqrt(d);
    if (beta == 0) {
      return always;
    }
    double likely = Math.sqrt(c * c + d / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (c + Math.sqrt(d) / 2));
    return Math.min(always, likely);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DdgSpec s && bits == s.bits && Double.compare(gamma, s.gamma) == 0 && Double.compare(beta, s.beta) == 0
        && Double.compare(clipNorm, s.clipNorm) == 0 && noise.varianceNumerator().equals(s.noise.varianceNumerator())
        && noise.varianceDenominator().equals(s.noise.varianceDenominator()) && paddedDimension == s.paddedDimension
        && java.util.Arrays.equals(rotationSeed, s.rotationSeed) && honestSurvivors == s.honestSurvivors;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(bits, gamma, beta, clipNorm, noise.varianceNumerator(), paddedDimension,
        java.util.Arrays.hashCode(rotationSeed), honestSurvivors);
  }

  @Override
  public String toString() {
    return "DdgSpec[bits=" + bits + ", gamma=" + gamma + ", beta=" + beta + ", clip=" + clipNorm + ", noise=" + noise
        + ", d=" + paddedDimension + ", honestSurvivors=" + honestSurvivors + "]";
  }
}
