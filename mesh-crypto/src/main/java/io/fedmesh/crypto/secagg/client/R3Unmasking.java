package io.fedmesh.crypto.secagg.client;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_A_NEIGHBOUR;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.UnmaskLists;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.SurvivorListSignature;
import io.fedmesh.proto.v1.UnmaskRequest;
import io.fedmesh.proto.v1.UnmaskResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Waiting for the one unmask request. The honest client's rule (Bonawitz et al. 2017, round 4): for
 * each client whose shares it holds, reveal the share of its self-mask seed if it survived, or of its
 * mask key if it dropped after sharing, never both, and answer once per round whatever is asked.
 *
 * <p>In malicious-server mode the request must carry exactly the lists this client signed, and at
 * least t of its neighbours' signatures over them, each verifying; otherwise the server has shown
 * different lists to different clients (or forged a confirmation) and the client aborts unanswered.
 *
 * @param signed the lists this client signed (malicious-server mode), or null
 */
record R3Unmasking(Map<Integer, ShareBundle> held, UnmaskLists signed, Map<Integer, AdvertiseKeys> directory,
    NeighbourGraph graph) implements ClientState {
  @Override
  public Phase phase() {
    return Phase.UNMASKING;
  }

  @Override
  public Transition onMessage(ClientContext ctx, SecAggMessage message) {
    if (!message.hasUnmaskRequest()) {
      return ClientState.super.onMessage(ctx, message);
    }
    UnmaskRequest request = message.getUnmaskRequest();
    UnmaskLists lists = UnmaskLists.parse(request.getSurvivorsList(), request.getDroppedList(), ctx.params().clients());
    int t = ctx.params().threshold();
    if (signed != null) {
      String problem = unconfirmed(ctx, lists, request);
      if (problem != null) {
        return Transition.to(new ClientAborted(new AbortReason(phase(), AbortReason.Cause.EQUIVOCATION, problem)));
      }
    } else {
      if (!lists.survived(ctx.me())) {
        throw new ProtocolViolation(INCONSISTENT, -1, "this client sent its masked input but is not listed as a survivor");
      }
      if (lists.survivors().length < t) {
        return Transition.to(new ClientAborted(new AbortReason(phase(),
            "only " + lists.survivors().length + " survivors; threshold is " + t)));
      }
      String problem = SurvivorListCheck.problem(ctx.me(), lists, held, graph, directory.keySet());
      if (problem != null) {
        return Transition.to(new ClientAborted(new AbortReason(phase(), AbortReason.Cause.EQUIVOCATION, problem)));
      }
    }
    UnmaskResponse.Builder out = UnmaskResponse.newBuilder().setClient(ctx.me());
    held.forEach((owner, bundle) -> {
      if (lists.survived(owner)) {
        out.addShares(reveal(owner, SecretKind.SECRET_KIND_SELF_MASK_SEED, bundle.selfMaskSeed(), bundle.seedSalt()));
      } else if (lists.dropped(owner)) {
        out.addShares(reveal(owner, SecretKind.SECRET_KIND_MASK_KEY, bundle.maskKey(), bundle.keySalt()));
      }
    });
    SecAggMessage reply = SecAggMessage.newBuilder().setRound(ctx.params().round()).setUnmaskResponse(out).build();
    return Transition.to(new ClientCompleted(), reply);
  }

  /**
   * Why the request's lists are not confirmed, or null: they differ from the signed ones, one of the
   * first t neighbours' signatures does not verify over them, or fewer than t neighbours signed.
   *
   * @throws ProtocolViolation if a signature is from a non-neighbour or repeated (a malformed request)
   */
  private String unconfirmed(ClientContext ctx, UnmaskLists lists, UnmaskRequest request) {
    if (!lists.equals(signed)) {
      return "the unmask request's lists (" + lists + ") are not the ones this client signed (" + signed + ")";
    }
    int t = ctx.params().threshold();
    UnmaskLists.Statement statement = lists.statement(ctx.params(), graph);
    Set<Integer> seen = new HashSet<>();
    Set<Integer> confirmed = new HashSet<>();
    for (SurvivorListSignature signature : request.getSignaturesList()) {
      int j = signature.getClient();
      if (!graph.areNeighbours(ctx.me(), j)) {
        throw new ProtocolViolation(NOT_A_NEIGHBOUR, -1, "a survivor-list signature from client "
            + Integer.toUnsignedString(j) + ", not a neighbour");
      }
      if (!seen.add(j)) {
        throw new ProtocolViolation(DUPLICATE, -1, "two survivor-list signatures from client " + j);
      }
      // t confirmations are what the check needs: verifying more would only cost time.
      if (confirmed.size() < t) {
        AdvertiseKeys signer = directory.get(j);
        if (!lists.survived(j) || signer == null || !statement.signedBy(signer, signature)) {
          return "neighbour " + j + "'s signature does not confirm these lists: the server showed it other lists or forged it";
        }
        confirmed.add(j);
      }
    }
    return confirmed.size() >= t ? null
        : "only " + confirmed.size() + " neighbours confirmed the survivor lists; threshold is " + t;
  }

  private static RevealedShare reveal(int owner, SecretKind kind, ShamirShare share, byte[] salt) {
    RevealedShare.Builder b = RevealedShare.newBuilder().setOwner(owner).setKind(kind)
        .setSalt(com.google.protobuf.ByteString.copyFrom(salt));
    for (long v : share.values()) {
      b.addValues(v);
    }
    return b.build();
  }
}
