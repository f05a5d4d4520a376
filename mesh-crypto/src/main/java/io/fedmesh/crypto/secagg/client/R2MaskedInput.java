package io.fedmesh.crypto.secagg.client;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_A_NEIGHBOUR;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.UNDECRYPTABLE_SHARE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.AuthenticationFailedException;
import io.fedmesh.crypto.agreement.X25519KeyPair;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
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
    X25519KeyPair shareKeys,
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
      byte[] plaintext;
      try {
        plaintext = ctx.keys()
            .shareKey(shareKeys.privateKey(), directory.get(from).getShareKey().toByteArray(), from, me)
            .open(share.getCiphertext().toByteArray(), ctx.keys().shareInfo(from, me));
      } catch (AuthenticationFailedException e) {
        throw new ProtocolViolation(UNDECRYPTABLE_SHARE, from, "shares from client " + from + " do not decrypt");
      }
      ShareBundle bundle = ShareBundle.decode(plaintext, me);
      if (bundle == null) {
        throw new ProtocolViolation(WRONG_LENGTH, from, "shares from client " + from + " have the wrong length");
      }
      received.put(from, bundle);
    }
    int t = ctx.params().threshold();
    if (received.size() + 1 < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(), "only " + (received.size() + 1)
          + " of this client's shareholders remain; threshold is " + t)));
    }
    received.put(me, own);

    int[] words = maskedInput(ctx, received);
    SecAggParameters p = ctx.params();
    List<SecAggMessage> chunks = new ArrayList<>(p.chunkCount());
    for (int c = 0; c < p.chunkCount(); c++) {
      int from = c * p.chunkWords();
      chunks.add(SecAggMessage.newBuilder().setRound(p.round())
          .setMaskedInputChunk(MaskedInputChunk.newBuilder()
              .setClient(me).setIndex(c).setCount(p.chunkCount())
              .setWords(Words.encode(words, from, from + p.wordsInChunk(c))))
          .build());
    }
    return new Transition(new R3Unmasking(received), chunks);
  }

  private int[] maskedInput(ClientContext ctx, Map<Integer, ShareBundle> sharers) {
    SecAggParameters p = ctx.params();
    int me = ctx.me();
    int[] words = new int[p.words()];
    p.quantizer().quantizeInto(ctx.update(), ctx.weight(), ctx.random(), words);
    words[p.vectorLength()] = (int) ctx.weight();
    ctx.keys().applySelfMask(selfMaskSeed, +1, words);
    for (int j : sharers.keySet()) {
      if (j == me) {
        continue;
      }
      byte[] seed = ctx.keys().pairwiseSeed(maskKeys.privateKey(), directory.get(j).getMaskKey().toByteArray(), me, j);
      ctx.keys().applyPairwiseMask(seed, me < j ? +1 : -1, words);
    }
    return words;
  }
}
