package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_A_NEIGHBOUR;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.MaskStream;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.UnmaskResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Phase 3: collect the revealed shares; then rebuild each survivor's self-mask seed and each dropped
 * client's mask key, strip those masks from the running sum one generator at a time, and decode.
 */
final class S3CollectUnmasking implements ServerState {
  private final ServerContext ctx;
  private final TreeMap<Integer, AdvertiseKeys> keys;
  private final NeighbourGraph graph;
  private final int[] sum;
  private final TreeSet<Integer> survivors;
  private final TreeSet<Integer> dropped;
  private final Set<Integer> responded = new HashSet<>();
  private final Map<Integer, List<ShamirShare>> shares = new HashMap<>();

  S3CollectUnmasking(ServerContext ctx, TreeMap<Integer, AdvertiseKeys> keys, NeighbourGraph graph, int[] sum,
      TreeSet<Integer> survivors, TreeSet<Integer> dropped) {
    this.ctx = ctx;
    this.keys = keys;
    this.graph = graph;
    this.sum = sum;
    this.survivors = survivors;
    this.dropped = dropped;
  }

  @Override
  public Phase phase() {
    return Phase.UNMASKING;
  }

  @Override
  public void onMessage(int from, SecAggMessage message) {
    if (!message.hasUnmaskResponse()) {
      ServerState.super.onMessage(from, message);
    }
    UnmaskResponse response = message.getUnmaskResponse();
    ctx.checkSender(from, response.getClient());
    if (!survivors.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "was not asked to unmask");
    }
    if (responded.contains(from)) {
      throw new ProtocolViolation(DUPLICATE, from, "already answered");
    }
    // Check the whole response before keeping any of it: a refused message leaves no trace.
    Map<Integer, ShamirShare> accepted = new HashMap<>();
    for (RevealedShare share : response.getSharesList()) {
      int owner = share.getOwner();
      if (owner != from && !graph.areNeighbours(from, owner)) {
        throw new ProtocolViolation(NOT_A_NEIGHBOUR, from, "revealed a share of client " + owner + ", not a neighbour");
      }
      SecretKind expected = survivors.contains(owner) ? SecretKind.SECRET_KIND_SELF_MASK_SEED
          : dropped.contains(owner) ? SecretKind.SECRET_KIND_MASK_KEY : null;
      if (expected == null || share.getKind() != expected) {
        throw new ProtocolViolation(INCONSISTENT, from, "revealed " + share.getKind() + " of client " + owner
            + ", expected " + expected);
      }
      if (share.getValuesCount() != ShamirSecretSharing.PIECES) {
        throw new ProtocolViolation(WRONG_LENGTH, from, "share of client " + owner + " has " + share.getValuesCount()
            + " values, expected " + ShamirSecretSharing.PIECES);
      }
      if (accepted.containsKey(owner)) {
        throw new ProtocolViolation(DUPLICATE, from, "two shares of client " + owner);
      }
      long[] values = share.getValuesList().stream().mapToLong(Long::longValue).toArray();
      for (long v : values) {
        if (v < 0 || v >= ShamirSecretSharing.PRIME) { // uint64 on the wire: huge values arrive negative
          throw new ProtocolViolation(INCONSISTENT, from, "share of client " + owner + " has a value outside the field");
        }
      }
      accepted.put(owner, new ShamirShare(ShareBundle.shareIndex(from), values));
    }
    responded.add(from);
    accepted.forEach((owner, share) -> shares.computeIfAbsent(owner, o -> new ArrayList<>()).add(share));
  }

  @Override
  public boolean everyoneAnswered() {
    return responded.size() == survivors.size();
  }

  @Override
  public Transition close() {
    ServerState abort = ctx.abortUnlessEnough(phase(), responded.size(), "answered the unmask request");
    if (abort != null) {
      return new Transition(abort, List.of());
    }
    int t = ctx.params().threshold();
    // Masks are stripped in groups: each group streams over the sum once, a cache-sized block at a
    // time, and holds only GROUP generators (64 KiB of keystream each) at once.
    MaskStream group = ctx.keys().masks();
    try {
      for (int u : survivors) {
        byte[] seed = rebuild(u, t, "self-mask seed of survivor");
        group = flushIfFull(ctx.keys().withSelfMask(group, seed, -1));
      }
      for (int d : dropped) {
        boolean needed = false;
        for (int j : graph.neighbours(d)) {
          needed |= survivors.contains(j);
        }
        if (!needed) {
          continue; // no survivor masked with d: there is nothing of d's to remove, and nobody holds its shares
        }
        byte[] maskKey = rebuild(d, t, "mask key of dropped client");
        ctx.meter().keyGenerations(1);
        if (!Arrays.equals(X25519.publicKey(maskKey), keys.get(d).getMaskKey().toByteArray())) {
          return aborted("the rebuilt mask key of dropped client " + d + " does not match its advertised key");
        }
        for (int j : graph.neighbours(d)) {
          if (!survivors.contains(j)) {
            continue;
          }
          byte[] seed = ctx.keys().pairwiseSeed(maskKey, keys.get(j).getMaskKey().toByteArray(), d, j);
          // j added the pair's mask if j < d and subtracted it otherwise; undo exactly that.
          group = flushIfFull(ctx.keys().withPairwiseMask(group, seed, j < d ? -1 : +1));
        }
      }
      group.applyAll(sum);
    } catch (MissingShares e) {
      return aborted(e.getMessage());
    } catch (CryptoException e) {
      return aborted("a secret could not be rebuilt: " + e.getMessage());
    }
    SecAggParameters p = ctx.params();
    double[] decoded = p.quantizer().decode(Arrays.copyOf(sum, p.vectorLength()), 1.0);
    long weightTotal = sum[p.vectorLength()] & 0xFFFFFFFFL;
    int[] inSum = survivors.stream().mapToInt(Integer::intValue).toArray();
    return new Transition(new ServerCompleted(new SecAggResult(decoded, weightTotal, inSum)), List.of());
  }

  private static final int GROUP = 32;

  private MaskStream flushIfFull(MaskStream group) {
    if (group.size() < GROUP) {
      return group;
    }
    group.applyAll(sum);
    return ctx.keys().masks();
  }

  private byte[] rebuild(int owner, int t, String what) {
    List<ShamirShare> held = shares.getOrDefault(owner, List.of());
    if (held.size() < t) {
      throw new MissingShares("only " + held.size() + " shares of the " + what + " " + owner + "; threshold is " + t);
    }
    byte[] secret = ShamirSecretSharing.reconstruct(held, t);
    // With spare shares, a second t-subset must give the same secret, or some share was altered.
    // (With exactly t, only the commitments of the malicious-server hardening can tell.)
    if (held.size() > t && !Arrays.equals(secret, ShamirSecretSharing.reconstruct(held.subList(held.size() - t, held.size()), t))) {
      throw new MissingShares("the shares of the " + what + " " + owner + " disagree: at least one was altered");
    }
    return secret;
  }

  private Transition aborted(String message) {
    return new Transition(new ServerAborted(new AbortReason(phase(), message)), List.of());
  }

  private static final class MissingShares extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MissingShares(String message) {
      super(message);
    }
  }
}
