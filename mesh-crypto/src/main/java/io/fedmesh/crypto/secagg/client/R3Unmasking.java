package io.fedmesh.crypto.secagg.client;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.UnmaskRequest;
import io.fedmesh.proto.v1.UnmaskResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Waiting for the one unmask request. The honest client's rule (Bonawitz et al. 2017, round 4): for
 * each client whose shares it holds, reveal the share of its self-mask seed if it survived, or of its
 * mask key if it dropped after sharing, never both, and answer once per round whatever is asked.
 */
record R3Unmasking(Map<Integer, ShareBundle> held) implements ClientState {
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
    int n = ctx.params().clients();
    Set<Integer> survivors = distinct(request.getSurvivorsList(), n, "survivors");
    Set<Integer> dropped = distinct(request.getDroppedList(), n, "dropped");
    for (int c : dropped) {
      if (survivors.contains(c)) {
        // Revealing both secrets of one client would unmask its input: refuse the request outright.
        throw new ProtocolViolation(INCONSISTENT, -1, "client " + c + " is listed as both survivor and dropped");
      }
    }
    if (!survivors.contains(ctx.me())) {
      throw new ProtocolViolation(INCONSISTENT, -1, "this client sent its masked input but is not listed as a survivor");
    }
    int t = ctx.params().threshold();
    if (survivors.size() < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "only " + survivors.size() + " survivors; threshold is " + t)));
    }
    UnmaskResponse.Builder out = UnmaskResponse.newBuilder().setClient(ctx.me());
    held.forEach((owner, bundle) -> {
      if (survivors.contains(owner)) {
        out.addShares(reveal(owner, SecretKind.SECRET_KIND_SELF_MASK_SEED, bundle.selfMaskSeed()));
      } else if (dropped.contains(owner)) {
        out.addShares(reveal(owner, SecretKind.SECRET_KIND_MASK_KEY, bundle.maskKey()));
      }
    });
    SecAggMessage reply = SecAggMessage.newBuilder().setRound(ctx.params().round()).setUnmaskResponse(out).build();
    return Transition.to(new ClientCompleted(), reply);
  }

  private static RevealedShare reveal(int owner, SecretKind kind, ShamirShare share) {
    RevealedShare.Builder b = RevealedShare.newBuilder().setOwner(owner).setKind(kind);
    for (long v : share.values()) {
      b.addValues(v);
    }
    return b.build();
  }

  private static Set<Integer> distinct(java.util.List<Integer> list, int n, String what) {
    Set<Integer> out = new HashSet<>();
    for (int c : list) {
      if (c < 0 || c >= n) {
        throw new ProtocolViolation(NOT_IN_ROUND, -1, what + " names client " + c + " outside the cohort");
      }
      if (!out.add(c)) {
        throw new ProtocolViolation(INCONSISTENT, -1, what + " names client " + c + " twice");
      }
    }
    return out;
  }
}
