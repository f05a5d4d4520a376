package io.fedmesh.crypto.secagg.shared;

import io.fedmesh.crypto.aead.AesGcmKey;
import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.kdf.Hkdf;
import io.fedmesh.crypto.mask.MaskGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Every key and seed of a round, each derived with HKDF-SHA256 from an X25519 secret and an info
 * string that binds the federation, the round, the parties and the purpose (ARCHITECTURE.md), so no
 * key is ever used for two things.
 */
public final class RoundKeys {
  private final byte[] federation;
  private final long round;
  private final WorkMeter meter;

  public RoundKeys(SecAggParameters params, WorkMeter meter) {
    this.federation = params.federation().getBytes(StandardCharsets.UTF_8);
    this.round = params.round();
    this.meter = meter;
  }

  private static final byte[] PROBE_SCALAR = new byte[32];

  static {
    PROBE_SCALAR[0] = 9;
  }

  /**
   * Whether {@code publicKey} is a usable X25519 key: 32 bytes and not a low-order point (whose
   * agreement with any key is all zeros, RFC 7748 section 6.1). One agreement with a fixed scalar.
   */
  public boolean usable(byte[] publicKey) {
    meter.keyAgreement();
    try {
      X25519.agree(PROBE_SCALAR, publicKey);
      return true;
    } catch (io.fedmesh.crypto.InvalidKeyMaterialException e) {
      return false;
    }
  }

  /** The X25519 secret two clients' share-encryption keys agree on (both directions derive from it). */
  public byte[] shareSecret(byte[] myShareSecretKey, byte[] theirSharePublicKey) {
    meter.keyAgreement();
    return X25519.agree(myShareSecretKey, theirSharePublicKey);
  }

  /**
   * The key shares from {@code from} to {@code to} are encrypted with. Directional: (from, to) and
   * (to, from) get different keys from the same secret, so the two directions never share a key and
   * nonce space.
   */
  public AesGcmKey shareKey(byte[] shareSecret, int from, int to) {
    return new AesGcmKey(shareKeyBytes(shareSecret, from, to));
  }

  /**
   * The raw key of {@link #shareKey}: what a holder reveals to complain about its dealer. It opens the
   * shares of that one direction only, which HKDF keeps independent of the other direction and of the
   * X25519 secret.
   */
  public byte[] shareKeyBytes(byte[] shareSecret, int from, int to) {
    return Hkdf.derive(shareSecret, null, shareInfo(from, to), 32);
  }

  /** Associated data of the shares from {@code from} to {@code to}: the same binding as the key. */
  public byte[] shareInfo(int from, int to) {
    return info("fedmesh secagg share v1", from, to);
  }

  /** The mask seed two clients share: symmetric in the pair, bound to the round. */
  public byte[] pairwiseSeed(byte[] myMaskSecretKey, byte[] theirMaskPublicKey, int a, int b) {
    meter.keyAgreement();
    byte[] secret = X25519.agree(myMaskSecretKey, theirMaskPublicKey);
    return Hkdf.derive(secret, null, info("fedmesh secagg pairwise v1", Math.min(a, b), Math.max(a, b)), 32);
  }

  /** An empty set of masks; add to it with {@link #withSelfMask} and {@link #withPairwiseMask}. */
  public MaskStream masks() {
    return new MaskStream(meter);
  }

  /** Adds to {@code stream} the self mask of {@code seed}, to be added (+1) or subtracted (-1). */
  public MaskStream withSelfMask(MaskStream stream, byte[] seed, int sign) {
    return stream.add(new MaskGenerator(seed, "self"), sign);
  }

  /** Adds to {@code stream} the pairwise mask of {@code seed}, to be added (+1) or subtracted (-1). */
  public MaskStream withPairwiseMask(MaskStream stream, byte[] seed, int sign) {
    return stream.add(new MaskGenerator(seed, "pairwise"), sign);
  }

  /**
   * The seed of the neighbour graph: a hash of the round's parameters, every advertisement and (in
   * malicious-server mode, else empty) every revealed graph nonce, each part length-prefixed.
   */
  public static byte[] graphSeed(byte[] configEncoding, byte[] directoryEncoding, byte[] noncesEncoding) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("fedmesh secagg graph v2\0".getBytes(StandardCharsets.US_ASCII));
      for (byte[] part : new byte[][] {configEncoding, directoryEncoding, noncesEncoding}) {
        sha.update(ByteBuffer.allocate(4).putInt(part.length).array());
        sha.update(part);
      }
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] info(String purpose, int x, int y) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(purpose.getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(federation.length).array());
    out.writeBytes(federation);
    out.writeBytes(ByteBuffer.allocate(16).putLong(round).putInt(x).putInt(y).array());
    return out.toByteArray();
  }
}
