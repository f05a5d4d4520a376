package io.fedmesh.crypto.mask;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JDK's AES-CTR onto its hardware intrinsic before the first real mask is made.
 *
 * <p>SunJCE's counter mode runs on an AES-NI/VAES stub (12-15 GB/s per core here) only once HotSpot's
 * C2 has compiled its caller, which happens after roughly 10^4 calls; until then it runs at about
 * 0.3-0.4 GB/s. A participant masks a handful of vectors per round, a few dozen cipher calls each, so
 * it would stay on the slow path for a very long time: measured here, 4,000 calls of 64 KiB (256 MiB)
 * still ran at 0.4 GB/s, while after this warm-up even 4 MiB calls ran at 14 GB/s. The warm-up makes
 * 30,000 calls of 64 bytes (about 0.1 s, once per JVM); the margin is there because compilation runs
 * in the background and must be finished, not just started, by the time real masks are made.
 */
final class AesCtrWarmUp {
  private static final int CALLS = 30_000;

  private AesCtrWarmUp() {}

  static void run() {
    try {
      Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
      byte[] block = new byte[64];
      for (int i = 0; i < CALLS; i++) {
        cipher.update(block, 0, block.length, block, 0);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SunJCE AES-CTR is unavailable", e);
    }
  }
}
