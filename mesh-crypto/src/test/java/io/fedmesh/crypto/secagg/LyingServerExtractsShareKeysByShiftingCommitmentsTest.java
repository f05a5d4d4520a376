package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.aead.AesGcmKey;
import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.shared.HashCommitment;
import io.fedmesh.crypto.secagg.shared.MaskStream;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SharesForYou;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Red team: the share ciphertext's associated data is info || seed commitment || key commitment with
 * no lengths, so a lying server can move the boundary between the two commitments (33 + 31 bytes)
 * without changing the associated data. The ciphertext still opens (the holder concludes its dealer
 * made it), the commitments then fail to match, and the honest holder complains WITH the key of the
 * honest dealer's shares to it. From t such holders the server rebuilds both secrets of the honest
 * dealer and unmasks its input: no corrupt client needed.
 */
class LyingServerExtractsShareKeysByShiftingCommitmentsTest {
  private static final int VICTIM = 0;

  @Test
  void shiftedCommitmentsMakeHonestHoldersRevealTheirKeysAndTheServerUnmasksAnHonestInput() {
    LyingServer round = new LyingServer();
    List<Outgoing> sharesForYou = round.runUntil(Phase.MASKED_INPUT);
    Map<Integer, AdvertiseKeys> directory = new TreeMap<>();
    for (int c = 0; c < LyingServer.N; c++) {
      AdvertiseKeys ad = round.sent.get(c).get(0).getAdvertiseKeys();
      directory.put(c, ad);
    }
    RoundKeys keys = new RoundKeys(round.params, new WorkMeter());

    List<ShamirShare> seedShares = new ArrayList<>();
    List<ShamirShare> keyShares = new ArrayList<>();
    List<Integer> victimNeighbours = new ArrayList<>();
    List<Integer> revealedBy = new ArrayList<>();
    for (Outgoing o : sharesForYou) {
      if (o.to() == VICTIM) {
        o.message().getSharesForYou().getSharesList().forEach(s -> victimNeighbours.add(s.getFrom()));
        continue;
      }
      EncryptedShares honest = o.message().getSharesForYou().getSharesList().stream()
          .filter(s -> s.getFrom() == VICTIM).findFirst().orElse(null);
      if (honest == null || seedShares.size() == LyingServer.T) {
        continue; // not a holder of the victim's secrets, or enough already
      }
      // Same 64 bytes of associated data, split 33 + 31.
      byte[] both = honest.getSeedCommitment().concat(honest.getKeyCommitment()).toByteArray();
      EncryptedShares shifted = honest.toBuilder()
          .setSeedCommitment(ByteString.copyFrom(both, 0, 33))
          .setKeyCommitment(ByteString.copyFrom(both, 33, 31)).build();
      SharesForYou.Builder lie = o.message().getSharesForYou().toBuilder();
      for (int i = 0; i < lie.getSharesCount(); i++) {
        if (lie.getShares(i).getFrom() == VICTIM) {
          lie.setShares(i, shifted);
        }
      }
      List<SecAggMessage> replies = round.deliver(o.to(), o.message().toBuilder().setSharesForYou(lie).build());
      ByteString key = replies.stream().filter(SecAggMessage::hasShareComplaint).findFirst()
          .map(r -> r.getShareComplaint().getShareKey()).orElse(ByteString.EMPTY);
      if (key.isEmpty()) {
        continue;
      }
      revealedBy.add(o.to());
      byte[] plaintext = new AesGcmKey(key.toByteArray()).open(honest.getCiphertext().toByteArray(),
          ShareCommitments.associatedData(keys, VICTIM, o.to(), honest.getSeedCommitment(), honest.getKeyCommitment()));
      ShareBundle bundle = ShareBundle.decode(plaintext, o.to());
      seedShares.add(bundle.selfMaskSeed());
      keyShares.add(bundle.maskKey());
    }
    boolean unmasked = seedShares.size() >= LyingServer.T && unmask(round, sharesForYou, directory, keys, victimNeighbours,
        seedShares, keyShares);
    // What secure aggregation must prevent: the server holds one honest client's update.
    assertThat(unmasked).as("the server rebuilt both secrets of honest client %d and unmasked its input exactly,"
        + " from keys honest holders %s revealed in complaints", VICTIM, revealedBy).isFalse();
    assertThat(revealedBy).as("honest holders revealed the key of an honest dealer's shares").isEmpty();
  }

  private static boolean unmask(LyingServer round, List<Outgoing> sharesForYou, Map<Integer, AdvertiseKeys> directory,
      RoundKeys keys, List<Integer> victimNeighbours, List<ShamirShare> seedShares, List<ShamirShare> keyShares) {
    byte[] seed = ShamirSecretSharing.reconstruct(seedShares, LyingServer.T);
    byte[] maskKey = ShamirSecretSharing.reconstruct(keyShares, LyingServer.T);
    if (!HashCommitment.SELF_MASK_SEED.matches(seed, directory.get(VICTIM).getSeedCommitment().toByteArray())
        || !Arrays.equals(X25519.publicKey(maskKey), directory.get(VICTIM).getMaskKey().toByteArray())) {
      return false;
    }
    // The victim itself got its shares untouched, so it sends its masked input: strip every mask.
    SecAggMessage forVictim = sharesForYou.stream().filter(o -> o.to() == VICTIM).findFirst().orElseThrow().message();
    int[] words = new int[round.params.words()];
    for (SecAggMessage chunk : round.deliver(VICTIM, forVictim)) {
      var c = chunk.getMaskedInputChunk();
      c.getWords().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
          .get(words, c.getIndex() * round.params.chunkWords(), c.getWords().size() / 4);
    }
    MaskStream masks = keys.withSelfMask(keys.masks(), seed, -1);
    for (int j : victimNeighbours) {
      byte[] pairwise = keys.pairwiseSeed(maskKey, directory.get(j).getMaskKey().toByteArray(), VICTIM, j);
      keys.withPairwiseMask(masks, pairwise, VICTIM < j ? -1 : +1);
    }
    masks.applyAll(words);
    double[] input = round.params.quantizer().decode(Arrays.copyOf(words, LyingServer.M), 1.0);
    double[] expected = new double[LyingServer.M];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (double) round.x[VICTIM][i] * round.w[VICTIM];
    }
    return Arrays.equals(input, expected) && words[LyingServer.M] == round.w[VICTIM];
  }
}
