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

  /**
   * The key client {@code from} encrypts its shares for {@code to} with. Directional: (from, to) and
   * (to, from) get different keys, so the two directions never share a key and nonce space.
   */
  public AesGcmKey shareKey(byte[] myShareSecretKey, byte[] theirSharePublicKey, int from, int to) {
    meter.keyAgreement();
    byte[] secret = X25519.agree(myShareSecretKey, theirSharePublicKey);
    return new AesGcmKey(Hkdf.derive(secret, null, shareInfo(from, to), 32));
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

  /** Adds (sign +1) or subtracts (-1) the pairwise mask of {@code seed} over all of {@code words}. */
  public void applyPairwiseMask(byte[] seed, int sign, int[] words) {
    apply(new MaskGenerator(seed, "pairwise"), sign, words);
  }

  /** Adds (sign +1) or subtracts (-1) the self mask of {@code seed} over all of {@code words}. */
  public void applySelfMask(byte[] seed, int sign, int[] words) {
    apply(new MaskGenerator(seed, "self"), sign, words);
  }

  private void apply(MaskGenerator mask, int sign, int[] words) {
    if (sign > 0) {
      mask.addTo(words, 0, words.length);
    } else {
      mask.subtractFrom(words, 0, words.length);
    }
    meter.maskWords(words.length);
  }

  /** The seed of the neighbour graph: a hash of the round's parameters and every advertisement. */
  public static byte[] graphSeed(byte[] configEncoding, byte[] directoryEncoding) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("fedmesh secagg graph v1\0".getBytes(StandardCharsets.US_ASCII));
      sha.update(ByteBuffer.allocate(4).putInt(configEncoding.length).array());
      sha.update(configEncoding);
      sha.update(directoryEncoding);
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
