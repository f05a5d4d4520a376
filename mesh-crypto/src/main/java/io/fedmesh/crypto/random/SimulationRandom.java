package io.fedmesh.crypto.random;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A deterministic {@link SecureRandom} for tests and simulations ONLY: the same seed gives the same
 * stream, so a simulated federation can be replayed exactly. The stream is AES-256-CTR keyed by
 * SHA-256 of a domain tag and the seed, so it is statistically sound, but whoever knows the seed knows
 * every "random" value: never use it for keys or masks of a real deployment, and never store its seed
 * where others can read it.
 */
public final class SimulationRandom extends SecureRandom {
  private static final long serialVersionUID = 1L;

  private SimulationRandom(Spi spi) {
    super(spi, null);
  }

  /** A generator whose stream is fixed by {@code seed}. */
  public static SimulationRandom fromSeed(long seed) {
    return fromSeed(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
  }

  /** A generator whose stream is fixed by {@code seed} (any length). */
  public static SimulationRandom fromSeed(byte[] seed) {
    return new SimulationRandom(new Spi(seed));
  }

  @Override
  public String getAlgorithm() {
    return "FedMesh-Simulation-AES-CTR";
  }

  private static final class Spi extends SecureRandomSpi {
    private static final long serialVersionUID = 1L;
    private final transient Cipher keystream;

    Spi(byte[] seed) {
      try {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update("fedmesh simulation random v1".getBytes(StandardCharsets.US_ASCII));
        byte[] key = sha256.digest(seed);
        keystream = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
        keystream.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("SunJCE AES-CTR is unavailable", e);
      }
    }

    @Override
    protected void engineSetSeed(byte[] seed) {
      // Mixing in more seed would silently break replayability; a caller asking for it has a bug.
      throw new UnsupportedOperationException("a SimulationRandom's stream is fixed by its construction seed");
    }

    @Override
    protected synchronized void engineNextBytes(byte[] bytes) {
      byte[] zeros = new byte[Math.min(bytes.length, 64 * 1024)];
      for (int off = 0; off < bytes.length; off += zeros.length) {
        int n = Math.min(zeros.length, bytes.length - off);
        try {
          keystream.update(zeros, 0, n, bytes, off);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    protected byte[] engineGenerateSeed(int numBytes) {
      byte[] b = new byte[numBytes];
      engineNextBytes(b);
      return b;
    }
  }
}
