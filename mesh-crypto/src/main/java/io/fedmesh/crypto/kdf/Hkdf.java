package io.fedmesh.crypto.kdf;

import io.fedmesh.crypto.InvalidKeyMaterialException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * HKDF with HMAC-SHA256 (RFC 5869). Every key FedMesh derives goes through here with an {@code info}
 * that names its purpose and parties, so no two uses of one secret ever share a key.
 */
public final class Hkdf {
  /** Output length of SHA-256, and so of a PRK. */
  public static final int HASH_BYTES = 32;
  /** RFC 5869 section 2.3: L <= 255 * HashLen. */
  public static final int MAX_OUTPUT_BYTES = 255 * HASH_BYTES;

  private Hkdf() {}

  /** HKDF-Extract: PRK = HMAC-SHA256(salt, ikm); an empty or null salt means HashLen zero bytes. */
  public static byte[] extract(byte[] salt, byte[] ikm) {
    return new HKDFBytesGenerator(new SHA256Digest()).extractPRK(salt, ikm);
  }

  /**
   * HKDF-Expand of {@code prk} to {@code length} bytes.
   *
   * @throws InvalidKeyMaterialException if prk is shorter than 32 bytes (RFC 5869 section 2.3) or
   *     length is outside [1, 8160]
   */
  public static byte[] expand(byte[] prk, byte[] info, int length) {
    if (prk == null || prk.length < HASH_BYTES) {
      throw new InvalidKeyMaterialException("HKDF PRK must be at least " + HASH_BYTES + " bytes");
    }
    return generate(HKDFParameters.skipExtractParameters(prk, info), length);
  }

  /** Extract then expand: {@code length} bytes of key material from {@code ikm}. */
  public static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
    if (ikm == null) {
      throw new InvalidKeyMaterialException("HKDF input key material is null");
    }
    return generate(new HKDFParameters(ikm, salt, info), length);
  }

  private static byte[] generate(HKDFParameters params, int length) {
    if (length < 1 || length > MAX_OUTPUT_BYTES) {
      throw new InvalidKeyMaterialException("HKDF output length must be in [1, " + MAX_OUTPUT_BYTES + "], got " + length);
    }
    HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
    generator.init(params);
    byte[] out = new byte[length];
    generator.generateBytes(out, 0, length);
    return out;
  }
}
