package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_A_NEIGHBOUR;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.aead.AesGcmKey;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.ShareKeys;
import io.fedmesh.proto.v1.SharesForYou;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Phase 1: collect each advertiser's encrypted shares, one set for every neighbour (a client that
 * skipped one would leave an uncancelled mask); then route to each sharer the shares addressed to it.
 */
final class S1CollectShares implements ServerState {
  static final int CIPHERTEXT_BYTES = AesGcmKey.NONCE_BYTES + ShareBundle.BYTES + AesGcmKey.TAG_BYTES;

  private final ServerContext ctx;
  private final TreeMap<Integer, AdvertiseKeys> keys;
  private final NeighbourGraph graph;
  private final TreeMap<Integer, ShareKeys> shares = new TreeMap<>();

  S1CollectShares(ServerContext ctx, TreeMap<Integer, AdvertiseKeys> keys, NeighbourGraph graph) {
    this.ctx = ctx;
    this.keys = keys;
    this.graph = graph;
  }

  @Override
  public Phase phase() {
    return Phase.SHARE_KEYS;
  }

  @Override
  public void onMessage(int from, SecAggMessage message) {
    if (!message.hasShareKeys()) {
      ServerState.super.onMessage(from, message);
    }
    ShareKeys sent = message.getShareKeys();
    ctx.checkSender(from, sent.getClient());
    if (!keys.containsKey(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "did not advertise keys this round");
    }
    if (shares.containsKey(from)) {
      throw new ProtocolViolation(DUPLICATE, from, "shares already sent");
    }
    // Neighbours that did not advertise (malicious-server graphs span the whole cohort) get no shares.
    int[] expected = Arrays.stream(graph.neighbours(from)).filter(keys::containsKey).toArray();
    int[] got = new int[sent.getSharesCount()];
    for (int i = 0; i < got.length; i++) {
      EncryptedShares share = sent.getShares(i);
      if (share.getFrom() != from || !graph.areNeighbours(from, share.getTo())) {
        throw new ProtocolViolation(NOT_A_NEIGHBOUR, from, "shares addressed to " + share.getTo() + ", not a neighbour");
      }
      if (share.getCiphertext().size() != CIPHERTEXT_BYTES) {
        throw new ProtocolViolation(WRONG_LENGTH, from, "encrypted shares of " + share.getCiphertext().size()
            + " bytes, expected " + CIPHERTEXT_BYTES);
      }
      if (share.getSeedCommitment().size() != ShareCommitments.BYTES || share.getKeyCommitment().size() != ShareCommitments.BYTES) {
        throw new ProtocolViolation(WRONG_LENGTH, from, "share commitments must be " + ShareCommitments.BYTES + " bytes each");
      }
      got[i] = share.getTo();
    }
    Arrays.sort(got);
    for (int i = 1; i < got.length; i++) {
      if (got[i] == got[i - 1]) {
        throw new ProtocolViolation(DUPLICATE, from, "two sets of shares for client " + got[i]);
      }
    }
    if (!Arrays.equals(got, expected)) {
      throw new ProtocolViolation(WRONG_LENGTH, from, "shares for " + got.length + " clients, expected one set for each of "
          + expected.length + " neighbours");
    }
    if (ctx.params().maliciousServer() ? !ShareCommitments.signedByDealer(ctx.params(), sent, keys.get(from))
        : !sent.getSignature().isEmpty()) {
      // Unsigned, the dealing could not be held against its dealer if a share turns out bad.
      throw new ProtocolViolation(INCONSISTENT, from, ctx.params().maliciousServer()
          ? "the signature over the dealt shares does not verify" : "dealt shares are signed only in malicious-server rounds");
    }
    shares.put(from, sent);
  }

  @Override
  public boolean everyoneAnswered() {
    return shares.size() == keys.size();
  }

  @Override
  public Transition close() {
    ServerState abort = ctx.abortUnlessEnough(phase(), shares.size(), "shared their keys");
    if (abort != null) {
      return new Transition(abort, List.of());
    }
    Map<Integer, SharesForYou.Builder> inbox = new TreeMap<>();
    for (int c : shares.keySet()) {
      inbox.put(c, SharesForYou.newBuilder());
    }
    for (ShareKeys sent : shares.values()) {
      for (EncryptedShares share : sent.getSharesList()) {
        SharesForYou.Builder to = inbox.get(share.getTo());
        if (to != null) { // only to clients that shared too: the others are gone
          to.addShares(share);
        }
      }
    }
    List<Outgoing> out = new ArrayList<>(inbox.size());
    inbox.forEach((c, b) -> out.add(new Outgoing(c,
        SecAggMessage.newBuilder().setRound(ctx.params().round()).setSharesForYou(b).build())));
    return new Transition(new S2CollectMaskedInput(ctx, keys, graph, shares), out);
  }
}
