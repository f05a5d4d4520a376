package io.fedmesh.crypto.secagg.shared;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.DealtShare;
import io.fedmesh.proto.v1.DealtSharesStatement;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.ShareKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Verifiable shares, so that a bad share is provably its dealer's and never its holder's. With each
 * encrypted pair of shares the dealer sends a salted hash commitment to each share (hiding: the salt
 * is 128 random bits inside the ciphertext; binding: SHA-256), bound to the round's parameters, the
 * dealer, the holder and the secret's kind. In malicious-server mode the dealer also signs, once, the
 * list of (holder, SHA-256 of the ciphertext, commitments) it dealt.
 *
 * <p>Then: a holder whose share does not decrypt, is outside the field or does not open its commitment
 * complains with the key of that one direction, and the server decrypts the dealer's own ciphertext to
 * see the fault; a revealed share that does not open its commitment was altered by its holder; shares
 * that all open their commitments but do not rebuild the committed secret were dealt wrong by their owner.
 */
public final class ShareCommitments {
  public static final int BYTES = 32;
  private static final byte[] DOMAIN = "fedmesh secagg share commitment v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final com.google.protobuf.Descriptors.FieldDescriptor NO_SIGNATURE_FIELD = null;

  private ShareCommitments() {}

  /** The commitment to {@code share} of {@code dealer}'s secret of {@code kind}, held by {@code holder}. */
  public static byte[] of(SecAggParameters params, int dealer, int holder, SecretKind kind, long[] values, byte[] salt) {
    ByteBuffer fixed = ByteBuffer.allocate(4 + 4 + 4 + 4 * values.length);
    fixed.putInt(dealer).putInt(holder).putInt(kind.getNumber());
    for (long v : values) {
      fixed.putInt((int) v);
    }
    MessageDigest sha = sha256();
    sha.update(DOMAIN);
    sha.update(params.digest());
    sha.update(fixed.array());
    sha.update(salt);
    return sha.digest();
  }

  /** Whether the revealed {@code share} (with {@code salt}) opens {@code commitment}. */
  public static boolean opens(SecAggParameters params, int dealer, SecretKind kind, ShamirShare share, byte[] salt,
      ByteString commitment) {
    return salt.length == ShareBundle.SALT_BYTES && commitment.size() == BYTES
        && MessageDigest.isEqual(of(params, dealer, share.index() - 1, kind, share.values(), salt), commitment.toByteArray());
  }

  /** Whether the decrypted {@code bundle} opens both commitments sent with it. */
  public static boolean opens(SecAggParameters params, int dealer, ShareBundle bundle, EncryptedShares sent) {
    return opens(params, dealer, SecretKind.SECRET_KIND_SELF_MASK_SEED, bundle.selfMaskSeed(), bundle.seedSalt(),
        sent.getSeedCommitment())
        && opens(params, dealer, SecretKind.SECRET_KIND_MASK_KEY, bundle.maskKey(), bundle.keySalt(), sent.getKeyCommitment());
  }

  /**
   * The associated data the shares from {@code from} to {@code to} are sealed under: the direction's
   * binding and both commitments. A server that alters a commitment in transit makes the shares fail
   * to open, which a holder answers without revealing its key: it reveals the key only for a
   * ciphertext that opened, that is, one its dealer made.
   */
  public static byte[] associatedData(RoundKeys keys, int from, int to, ByteString seedCommitment, ByteString keyCommitment) {
    // Each part length-prefixed: unprefixed, a byte moved from one commitment to the other would leave
    // the associated data, and so the ciphertext, intact while both commitments stopped matching.
    byte[] info = keys.shareInfo(from, to);
    return ByteBuffer.allocate(12 + info.length + seedCommitment.size() + keyCommitment.size())
        .putInt(info.length).put(info)
        .putInt(seedCommitment.size()).put(seedCommitment.asReadOnlyByteBuffer())
        .putInt(keyCommitment.size()).put(keyCommitment.asReadOnlyByteBuffer()).array();
  }

  /** The dealer's signature over what it dealt. */
  public static ByteString sign(SecAggParameters params, ShareKeys.Builder dealt, SigningKey identity) {
    return ByteString.copyFrom(identity.sign(signingInput(params, dealt.getClient(), dealt.getSharesList())));
  }

  /** Whether {@code dealt} carries its dealer's signature, the identity of {@code advertisement} (already checked). */
  public static boolean signedByDealer(SecAggParameters params, ShareKeys dealt, AdvertiseKeys advertisement) {
    try {
      VerifyingKey key = VerifyingKey.fromSubjectPublicKeyInfo(advertisement.getIdentityKey().toByteArray());
      return key.verify(signingInput(params, dealt.getClient(), dealt.getSharesList()), dealt.getSignature().toByteArray());
    } catch (InvalidKeyMaterialException e) {
      return false;
    }
  }

  private static byte[] signingInput(SecAggParameters params, int dealer, java.util.List<EncryptedShares> shares) {
    DealtSharesStatement.Builder statement = DealtSharesStatement.newBuilder()
        .setParamsDigest(ByteString.copyFrom(params.digest())).setDealer(dealer);
    for (EncryptedShares s : shares) {
      statement.addShares(DealtShare.newBuilder().setTo(s.getTo())
          .setCiphertextSha256(ByteString.copyFrom(sha256().digest(s.getCiphertext().toByteArray())))
          .setSeedCommitment(s.getSeedCommitment()).setKeyCommitment(s.getKeyCommitment()));
    }
    return CanonicalEncoding.signingInput(statement.build(), NO_SIGNATURE_FIELD);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
