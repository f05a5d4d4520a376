package io.fedmesh.crypto.random;

import java.nio.charset.StandardCharsets;
import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Where production randomness comes from: the JDK's NIST SP 800-90A DRBG (Hash_DRBG over SHA-256 at
 * 256-bit strength), seeded and reseeded from the operating system's entropy source.
 *
 * <p>Every key, nonce, mask seed and share coefficient in a real deployment comes from
 * {@link #strong()}. Deterministic generators ({@link SimulationRandom}) exist for tests and
 * simulations only.
 */
public final class Randomness {

  private static final byte[] PERSONALISATION = "fedmesh".getBytes(StandardCharsets.US_ASCII);

  private Randomness() {}

  /** A fresh DRBG instance; thread-safe. Callers keep one per component rather than one per call. */
  public static SecureRandom strong() {
    try {
      return SecureRandom.getInstance(
          "DRBG", DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, PERSONALISATION));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no 256-bit DRBG (needs Java 9 or later)", e);
    }
  }
}
