package io.fedmesh.crypto.secagg.client;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_A_NEIGHBOUR;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.AuthenticationFailedException;
import io.fedmesh.crypto.agreement.X25519KeyPair;
import io.fedmesh.crypto.quantize.Quantizer;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.MaskStream;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.proto.v1.ShareComplaint;
import com.google.protobuf.ByteString;
import io.fedmesh.crypto.secagg.shared.Words;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.MaskedInputChunk;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Waiting for the neighbours' shares. On them: decrypt and keep them, then send the masked input
 * y = Q(w x) || w + PRG(self seed) + sum over sharing neighbours j of +-PRG(s_ij), in chunks
 * (Bonawitz et al. 2017, round 2). A pair's mask is added by the lower index and subtracted by the
 * higher, so it cancels in the sum when both survive.
 */
record R2MaskedInput(
    Map<Integer, byte[]> shareSecrets,
    X25519KeyPair maskKeys,
    Map<Integer, AdvertiseKeys> directory,
    NeighbourGraph graph,
    byte[] selfMaskSeed,
    ShareBundle own) implements ClientState {

  @Override
  public Phase phase() {
    return Phase.MASKED_INPUT;
  }

  @Override
  public Transition onMessage(ClientContext ctx, SecAggMessage message) {
    if (!message.hasSharesForYou()) {
      return ClientState.super.onMessage(ctx, message);
    }
    int me = ctx.me();
    Map<Integer, ShareBundle> received = new TreeMap<>();
    for (EncryptedShares share : message.getSharesForYou().getSharesList()) {
      int from = share.getFrom();
      if (share.getTo() != me || !graph.areNeighbours(me, from)) {
        throw new ProtocolViolation(NOT_A_NEIGHBOUR, -1, "shares from " + from + " to " + share.getTo()
            + " are not from a neighbour of client " + me);
      }
      if (received.containsKey(from)) {
        throw new ProtocolViolation(DUPLICATE, -1, "two sets of shares from client " + from);
      }
      if (share.getSeedCommitment().size() != ShareCommitments.BYTES || share.getKeyCommitment().size() != ShareCommitments.BYTES) {
        // Refused before anything is opened: only a well-formed dealing can ever earn a complaint with a key.
        throw new ProtocolViolation(WRONG_LENGTH, -1, "share commitments from client " + from + " are not "
            + ShareCommitments.BYTES + " bytes each");
      }
      if (!shareSecrets.containsKey(from)) {
        throw new ProtocolViolation(NOT_IN_ROUND, -1, "shares from client " + from + ", which this client never shared with");
      }
      received.put(from, null);
    }
    // Every share checked for form first, then opened: a refused message changes nothing.
    for (EncryptedShares share : message.getSharesForYou().getSharesList()) {
      int from = share.getFrom();
      String fault = null;
      ShareBundle bundle = null;
      boolean opened = false;
      try {
        byte[] plaintext = ctx.keys().shareKey(shareSecrets.get(from), from, me).open(share.getCiphertext().toByteArray(),
            ShareCommitments.associatedData(ctx.keys(), from, me, share.getSeedCommitment(), share.getKeyCommitment()));
        opened = true;
        bundle = ShareBundle.decode(plaintext, me);
        fault = bundle == null ? "are of the wrong length or outside the field"
            : ShareCommitments.opens(ctx.params(), from, bundle, share) ? null : "do not match the commitments sent with them";
      } catch (AuthenticationFailedException e) {
        fault = "do not decrypt";
      }
      if (fault != null) {
        // Keeping the other shares would leave this pair's mask uncancelled (the dealer masks with this
        // client); leaving the round is the dropout every neighbour already survives. The key of this
        // one direction goes with the complaint only if the ciphertext opened: then the dealer made it
        // (the commitments are in its associated data), the dealer is at fault, and its shares are no
        // secret worth keeping. A ciphertext that did not open may be the server's doing: revealing
        // the key would hand it this client's shares of an honest neighbour's secrets.
        ShareComplaint.Builder complaint = ShareComplaint.newBuilder().setClient(me).setDealer(from);
        if (opened) {
          complaint.setShareKey(ByteString.copyFrom(ctx.keys().shareKeyBytes(shareSecrets.get(from), from, me)));
        }
        return Transition.to(new ClientAborted(new AbortReason(phase(), AbortReason.Cause.BAD_SHARE,
            "the shares neighbour " + from + " dealt this client " + fault + ": complained and left the round")),
            SecAggMessage.newBuilder().setRound(ctx.params().round()).setShareComplaint(complaint).build());
      }
      received.put(from, bundle);
    }
    int t = ctx.params().threshold();
    if (received.isEmpty()) {
      // With no pairwise mask, the input would be hidden by its self mask alone, which is revealed.
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "no neighbour shared keys: this client's input would have no pairwise mask")));
    }
    if (received.size() + 1 < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(), "only " + (received.size() + 1)
          + " of this client's shareholders remain; threshold is " + t)));
    }
    received.put(me, own);

    SecAggParameters p = ctx.params();
    byte[][] chunkBytes = maskedInput(ctx, received);
    List<SecAggMessage> chunks = new ArrayList<>(p.chunkCount());
    for (int c = 0; c < p.chunkCount(); c++) {
      chunks.add(SecAggMessage.newBuilder().setRound(p.round())
          .setMaskedInputChunk(MaskedInputChunk.newBuilder()
              .setClient(me).setIndex(c).setCount(p.chunkCount())
              .setWords(Words.wrap(chunkBytes[c])))
          .build());
    }
    ClientState next = p.maliciousServer() ? new R3ConsistencyCheck(received, directory, graph)
        : new R3Unmasking(received, null, directory, graph);
    return new Transition(next, chunks);
  }

  /**
   * One streaming pass, a cache-sized block at a time: quantise the block (the weight is the last
   * word), add every mask to it, write it into the chunks. No vector-sized scratch array.
   */
  private byte[][] maskedInput(ClientContext ctx, Map<Integer, ShareBundle> sharers) {
    SecAggParameters p = ctx.params();
    int me = ctx.me();
    MaskStream masks = ctx.keys().withSelfMask(ctx.keys().masks(), selfMaskSeed, +1);
    for (int j : sharers.keySet()) {
      if (j != me) {
        byte[] seed;
        try {
          seed = ctx.keys().pairwiseSeed(maskKeys.privateKey(), directory.get(j).getMaskKey().toByteArray(), me, j);
        } catch (io.fedmesh.crypto.InvalidKeyMaterialException e) {
          throw new ProtocolViolation(ProtocolViolation.Code.INVALID_KEY, j, "client " + j + "'s mask key is a low-order point");
        }
        ctx.keys().withPairwiseMask(masks, seed, me < j ? +1 : -1);
      }
    }
    byte[][] chunks = new byte[p.chunkCount()][];
    for (int c = 0; c < chunks.length; c++) {
      chunks[c] = new byte[p.wordsInChunk(c) * 4];
    }
    Quantizer.Session quantiser = ctx.integers() == null ? p.quantizer().session(ctx.weight(), ctx.random()) : null;
    int m = p.vectorLength();
    int[] block = new int[MaskStream.BLOCK_WORDS];
    for (int from = 0; from < p.words(); from += block.length) {
      int len = Math.min(block.length, p.words() - from);
      int values = Math.min(len, m - from);
      if (quantiser != null) {
        quantiser.next(ctx.update(), from, from + values, block, 0);
      } else {
        System.arraycopy(ctx.integers(), from, block, 0, values);
      }
      if (values < len) {
        block[values] = (int) ctx.weight();
      }
      masks.apply(block, 0, len);
      Words.write(block, len, from, chunks, p.chunkWords());
    }
    return chunks;
  }
}
