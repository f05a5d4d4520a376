package io.fedmesh.crypto.mask;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.kdf.Hkdf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Expands a 32-byte seed into a stream of mask words (a PRG, Bonawitz et al. 2017 section 4): AES-256
 * in counter mode keyed by HKDF(seed, "fedmesh mask v1" || 0 || purpose), the counter starting at zero
 * and continuing across calls, so masking a vector chunk by chunk gives the same words as masking it
 * whole. Words are the keystream read as little-endian 32-bit (or 64-bit) integers.
 *
 * <p>The counter may start at zero because the AES key itself is unique to (seed, purpose); a
 * seed is never used for two purposes with the same purpose string.
 *
 * <p>Speed: the JDK's SunJCE AES-CTR runs on a hardware intrinsic at 12-15 GB/s per core here, but only
 * after the JIT has compiled its caller; {@link AesCtrWarmUp} sees to that once per JVM, when this class
 * is first used. The keystream is made {@value #MAX_CHUNK_BYTES} bytes at a time so the buffer stays
 * in cache. Not thread-safe: one generator per seed and thread.
 */
public final class MaskGenerator {
  /** Largest keystream block asked of the cipher in one call. */
  public static final int MAX_CHUNK_BYTES = 64 * 1024;
  public static final int SEED_BYTES = 32;

  private static final byte[] ZEROS = new byte[MAX_CHUNK_BYTES];
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final byte[] INFO_PREFIX = "fedmesh mask v1\0".getBytes(StandardCharsets.US_ASCII);

  static {
    AesCtrWarmUp.run();
  }

  private final Cipher cipher;
  private final byte[] keystream = new byte[MAX_CHUNK_BYTES];
  private long bytesProduced;

  /**
   * @param seed 32 bytes: a pairwise seed from key agreement, or a participant's self-mask seed
   * @param purpose what the words are for (e.g. "pairwise", "self"); part of the key derivation
   * @throws InvalidKeyMaterialException unless the seed is 32 bytes
   */
  public MaskGenerator(byte[] seed, String purpose) {
    if (seed == null || seed.length != SEED_BYTES) {
      throw new InvalidKeyMaterialException(
          "mask seed must be " + SEED_BYTES + " bytes, got " + (seed == null ? "null" : seed.length));
    }
    byte[] purposeBytes = purpose.getBytes(StandardCharsets.UTF_8);
    byte[] info = new byte[INFO_PREFIX.length + purposeBytes.length];
    System.arraycopy(INFO_PREFIX, 0, info, 0, INFO_PREFIX.length);
    System.arraycopy(purposeBytes, 0, info, INFO_PREFIX.length, purposeBytes.length);
    byte[] key = Hkdf.derive(seed, null, info, 32);
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding", "SunJCE");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SunJCE AES-CTR is unavailable", e);
    }
  }

  /** Writes the next {@code to - from} words into {@code out[from..to)}. */
  public void next(int[] out, int from, int to) {
    apply(out, from, to, Op.SET);
  }

  /** Adds the next words into {@code acc[from..to)}, modulo 2^32. */
  public void addTo(int[] acc, int from, int to) {
    apply(acc, from, to, Op.ADD);
  }

  /** Subtracts the next words from {@code acc[from..to)}, modulo 2^32. */
  public void subtractFrom(int[] acc, int from, int to) {
    apply(acc, from, to, Op.SUBTRACT);
  }

  /** Writes the next {@code to - from} 64-bit words into {@code out[from..to)}. */
  public void next(long[] out, int from, int to) {
    apply(out, from, to, Op.SET);
  }

  /** Adds the next 64-bit words into {@code acc[from..to)}, modulo 2^64. */
  public void addTo(long[] acc, int from, int to) {
    apply(acc, from, to, Op.ADD);
  }

  /** Subtracts the next 64-bit words from {@code acc[from..to)}, modulo 2^64. */
  public void subtractFrom(long[] acc, int from, int to) {
    apply(acc, from, to, Op.SUBTRACT);
  }

  /** Keystream bytes produced so far: where the counter stands, times 16. */
  public long bytesProduced() {
    return bytesProduced;
  }

  private enum Op { SET, ADD, SUBTRACT }

  private void apply(int[] words, int from, int to, Op op) {
    java.util.Objects.checkFromToIndex(from, to, words.length);
    int i = from;
    while (i < to) {
      int n = Math.min(to - i, MAX_CHUNK_BYTES / Integer.BYTES);
      fill(n * Integer.BYTES);
      // One loop per operation, so the JIT sees a simple counted loop it can unroll and vectorise.
      switch (op) {
        case SET -> {
          for (int j = 0; j < n; j++) {
            words[i + j] = (int) INT_LE.get(keystream, j << 2);
          }
        }
        case ADD -> {
          for (int j = 0; j < n; j++) {
            words[i + j] += (int) INT_LE.get(keystream, j << 2);
          }
        }
        case SUBTRACT -> {
          for (int j = 0; j < n; j++) {
            words[i + j] -= (int) INT_LE.get(keystream, j << 2);
          }
        }
      }
      i += n;
    }
  }

  private void apply(long[] words, int from, int to, Op op) {
    java.util.Objects.checkFromToIndex(from, to, words.length);
    int i = from;
    while (i < to) {
      int n = Math.min(to - i, MAX_CHUNK_BYTES / Long.BYTES);
      fill(n * Long.BYTES);
      switch (op) {
        case SET -> {
          for (int j = 0; j < n; j++) {
            words[i + j] = (long) LONG_LE.get(keystream, j << 3);
          }
        }
        case ADD -> {
          for (int j = 0; j < n; j++) {
            words[i + j] += (long) LONG_LE.get(keystream, j << 3);
          }
        }
        case SUBTRACT -> {
          for (int j = 0; j < n; j++) {
            words[i + j] -= (long) LONG_LE.get(keystream, j << 3);
          }
        }
      }
      i += n;
    }
  }

  private void fill(int bytes) {
    try {
      cipher.update(ZEROS, 0, bytes, keystream, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException("keystream buffer is sized for the largest chunk", e);
    }
    bytesProduced += bytes;
  }
}
