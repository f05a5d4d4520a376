package io.fedmesh.crypto.aead;

import io.fedmesh.crypto.AuthenticationFailedException;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An AES-256-GCM key with associated data, on the JDK's SunJCE provider (asked for by name: with
 * Bouncy Castle registered first, a plain lookup may return its much slower AES).
 *
 * <p>{@link #seal} draws a fresh random 96-bit nonce for every message and refuses to seal more than
 * 2^32 messages under one key (NIST SP 800-38D section 8.3), so a nonce is never reused by accident.
 * FedMesh derives a fresh key per direction and round, far below that limit.
 */
public final class AesGcmKey {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;
  static final long MAX_RANDOM_NONCE_SEALS = 1L << 32;

  private final SecretKeySpec key;
  private final AtomicLong seals = new AtomicLong();

  /** @throws InvalidKeyMaterialException unless {@code key} is 32 bytes */
  public AesGcmKey(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new InvalidKeyMaterialException(
          "AES-256-GCM key must be " + KEY_BYTES + " bytes, got " + (key == null ? "null" : key.length));
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  /** Encrypts under a fresh random nonce; returns nonce || ciphertext || tag. */
  public byte[] seal(byte[] plaintext, byte[] associatedData, SecureRandom random) {
    if (seals.incrementAndGet() > MAX_RANDOM_NONCE_SEALS) {
      throw new IllegalStateException("this key has sealed 2^32 messages: derive a new key");
    }
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] body = encrypt(nonce, plaintext, associatedData);
    byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + body.length);
    System.arraycopy(body, 0, out, NONCE_BYTES, body.length);
    return out;
  }

  /**
   * Opens what {@link #seal} produced.
   *
   * @throws AuthenticationFailedException if anything was altered, or the key or associated data differ
   */
  public byte[] open(byte[] sealed, byte[] associatedData) {
    if (sealed == null || sealed.length < NONCE_BYTES + TAG_BYTES) {
      throw new AuthenticationFailedException(
          "sealed message too short: " + (sealed == null ? "null" : sealed.length) + " bytes, need at least " + (NONCE_BYTES + TAG_BYTES));
    }
    return decrypt(Arrays.copyOf(sealed, NONCE_BYTES), Arrays.copyOfRange(sealed, NONCE_BYTES, sealed.length), associatedData);
  }

  /**
   * Encrypts with a caller-chosen nonce; returns ciphertext || tag. The caller guarantees the nonce is
   * never used twice with this key (reuse reveals the XOR of plaintexts and the authentication key).
   * Prefer {@link #seal}.
   */
  public byte[] encrypt(byte[] nonce, byte[] plaintext, byte[] associatedData) {
    checkNonce(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce);
      if (associatedData != null) {
        cipher.updateAAD(associatedData);
      }
      return cipher.doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Decrypts ciphertext || tag.
   *
   * @throws AuthenticationFailedException if the tag does not verify
   */
  public byte[] decrypt(byte[] nonce, byte[] ciphertextAndTag, byte[] associatedData) {
    checkNonce(nonce);
    if (ciphertextAndTag == null || ciphertextAndTag.length < TAG_BYTES) {
      throw new AuthenticationFailedException("ciphertext shorter than the " + TAG_BYTES + "-byte tag");
    }
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, nonce);
      if (associatedData != null) {
        cipher.updateAAD(associatedData);
      }
      return cipher.doFinal(ciphertextAndTag);
    } catch (AEADBadTagException e) {
      throw new AuthenticationFailedException(
          "AES-GCM tag mismatch: the ciphertext, nonce or associated data was altered, or the key is wrong", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
  }

  private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
    return cipher;
  }

  private static void checkNonce(byte[] nonce) {
    if (nonce == null || nonce.length != NONCE_BYTES) {
      throw new InvalidKeyMaterialException(
          "AES-GCM nonce must be " + NONCE_BYTES + " bytes, got " + (nonce == null ? "null" : nonce.length));
    }
  }
}
