package io.fedmesh.crypto.secagg.client;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.ShareKeys;
import java.nio.ByteBuffer;

/**
 * A dealer that deals one holder a bad share (tests only): it takes the ShareKeys an honest client
 * just sent, opens its own ciphertext to {@code holder} with the key it shares with that holder, and
 * seals something else in its place, re-signing where the round needs it.
 */
public final class MaliciousDealer {
  /** What the dealer puts in the holder's shares. */
  public enum Deal {
    /** A seed share value of 2^32 - 1, above the prime. */
    OUTSIDE_THE_FIELD,
    /** Honest shares, but a commitment that does not match them. */
    WRONG_COMMITMENT,
    /** Random field elements as the mask-key share, with commitments that match them. */
    CONSISTENT_GARBAGE
  }

  private MaliciousDealer() {}

  /** {@code honest} (the dealer's ShareKeys message) with {@code holder}'s shares replaced as {@code deal} says. */
  public static SecAggMessage redeal(SecAggClient dealer, SecAggParameters params, SecAggMessage honest, int holder,
      Deal deal, SigningKey identity) {
    R2MaskedInput state = (R2MaskedInput) dealer.state();
    int me = honest.getShareKeys().getClient();
    RoundKeys keys = new RoundKeys(params, new WorkMeter());
    var key = keys.shareKey(state.shareSecrets().get(holder), me, holder);
    ShareKeys.Builder out = honest.getShareKeys().toBuilder();
    for (int i = 0; i < out.getSharesCount(); i++) {
      EncryptedShares share = out.getShares(i);
      if (share.getTo() != holder) {
        continue;
      }
      ShareBundle bundle = ShareBundle.decode(key.open(share.getCiphertext().toByteArray(),
          ShareCommitments.associatedData(keys, me, holder, share.getSeedCommitment(), share.getKeyCommitment())), holder);
      EncryptedShares.Builder changed = share.toBuilder();
      byte[] plaintext = bundle.encode();
      switch (deal) {
        case OUTSIDE_THE_FIELD -> ByteBuffer.wrap(plaintext).putInt(0, -1);
        case WRONG_COMMITMENT -> {
          byte[] c = share.getKeyCommitment().toByteArray();
          c[0] ^= 1;
          changed.setKeyCommitment(ByteString.copyFrom(c));
        }
        case CONSISTENT_GARBAGE -> {
          SimulationRandom r = SimulationRandom.fromSeed(holder);
          long[] garbage = new long[ShamirSecretSharing.PIECES];
          for (int j = 0; j < garbage.length; j++) {
            garbage[j] = Math.floorMod(r.nextLong(), ShamirSecretSharing.PRIME);
          }
          ShareBundle bad = new ShareBundle(bundle.selfMaskSeed(), new ShamirShare(bundle.maskKey().index(), garbage),
              bundle.seedSalt(), bundle.keySalt());
          plaintext = bad.encode();
          changed.setKeyCommitment(ByteString.copyFrom(ShareCommitments.of(params, me, holder,
              SecretKind.SECRET_KIND_MASK_KEY, garbage, bad.keySalt())));
        }
      }
      changed.setCiphertext(ByteString.copyFrom(key.seal(plaintext, ShareCommitments.associatedData(keys, me, holder,
          changed.getSeedCommitment(), changed.getKeyCommitment()), SimulationRandom.fromSeed(1))));
      out.setShares(i, changed);
    }
    if (params.maliciousServer()) {
      out.setSignature(ShareCommitments.sign(params, out, identity));
    }
    return honest.toBuilder().setShareKeys(out).build();
  }
}
