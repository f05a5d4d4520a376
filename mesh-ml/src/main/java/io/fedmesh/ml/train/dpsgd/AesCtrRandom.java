package io.fedmesh.ml.train.dpsgd;

import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A cryptographically secure random generator for DP-SGD's batch sampling and noise: the AES-256-CTR
 * keystream (JDK SunJCE) under a key drawn from {@link SecureRandom}, read as 64-bit words. Gaussians come
 * from {@link RandomGenerator#nextGaussian()}'s default, the JDK's modified ziggurat (McFarland 2016), which
 * needs about one word a sample.
 *
 * <p>Why not {@code SecureRandom.nextGaussian()} directly: DP-SGD draws one Gaussian per model parameter per
 * step (100,000 for the Fashion-MNIST MLP, about 10^8 an epoch), and SecureRandom's polar method, one
 * synchronised engine call per word, would cost more than the training itself. The keystream of a block
 * cipher under a secret random key is the standard construction of a CSPRNG (NIST SP 800-90A CTR_DRBG
 * without reseeding), so the noise and the sample stay unpredictable to everyone without the key, which
 * never leaves this object.
 *
 * <p>The Gaussian is a floating-point sample, the practice of every DP-SGD implementation (Opacus, TF
 * Privacy); Mironov 2012's attacks on floating-point Laplace noise are not accounted for. FedMesh has an
 * exact discrete Gaussian sampler in {@code mesh-crypto} ({@code io.fedmesh.crypto.noise}) for noise added
 * inside secure aggregation; {@code mesh-ml} does not depend on {@code mesh-crypto}.
 *
 * <p>Not thread-safe. {@link #seeded(long)} gives a reproducible stream for tests and simulations only.
 */
public final class AesCtrRandom implements RandomGenerator {
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static volatile boolean warm;

  private final Cipher cipher;
  private final byte[] zeros = new byte[BUFFER_BYTES];
  private final byte[] stream = new byte[BUFFER_BYTES];
  private int position = BUFFER_BYTES;

  private AesCtrRandom(byte[] key) {
    warmUp();
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SunJCE AES-CTR is unavailable", e);
    }
  }

  /** Keyed from a fresh {@link SecureRandom}: the generator for real training. */
  public static AesCtrRandom secure() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new AesCtrRandom(key);
  }

  /** Keyed by SHA-256 of {@code seed}: the same seed, the same stream. Predictable: tests and simulations only. */
  public static AesCtrRandom seeded(long seed) {
    try {
      byte[] bytes = new byte[8];
      LONGS.set(bytes, 0, seed);
      return new AesCtrRandom(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  @Override
  public long nextLong() {
    if (position == BUFFER_BYTES) {
      try {
        cipher.update(zeros, 0, BUFFER_BYTES, stream, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-CTR failed", e);
      }
      position = 0;
    }
    long word = (long) LONGS.get(stream, position);
    position += Long.BYTES;
    return word;
  }

  /**
   * SunJCE's counter mode reaches its AES-NI stub only after C2 has compiled the caller, some 10^4 calls
   * (BUILD-NOTES: 0.4 GB/s before, 14-20 GB/s after). A training run makes far fewer, large calls, so it
   * would stay slow: 30,000 tiny calls once per JVM (about 0.1 s) get it there first.
   */
  private static void warmUp() {
    if (warm) {
      return;
    }
    try {
      Cipher c = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
      byte[] block = new byte[64];
      for (int i = 0; i < 30_000; i++) {
        c.update(block, 0, block.length, block, 0);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SunJCE AES-CTR is unavailable", e);
    }
    warm = true;
  }
}
