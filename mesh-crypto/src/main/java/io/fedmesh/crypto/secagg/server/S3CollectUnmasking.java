package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.BAD_DEALING;
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
import io.fedmesh.crypto.secagg.shared.HashCommitment;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.ShareKeys;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.UnmaskResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

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
  private final Set<Integer> asked;
  private final Set<Integer> responded = new HashSet<>();
  private final Map<Integer, List<ShamirShare>> shares = new HashMap<>();

  private final TreeMap<Integer, ShareKeys> dealt;

  S3CollectUnmasking(ServerContext ctx, TreeMap<Integer, AdvertiseKeys> keys, NeighbourGraph graph, int[] sum,
      TreeSet<Integer> survivors, TreeSet<Integer> dropped, Set<Integer> asked, TreeMap<Integer, ShareKeys> dealt) {
    this.dealt = dealt;
    this.ctx = ctx;
    this.keys = keys;
    this.graph = graph;
    this.sum = sum;
    this.survivors = survivors;
    this.dropped = dropped;
    this.asked = asked;
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
    if (!asked.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "was not asked to unmask");
    }
    if (responded.contains(from)) {
      throw new ProtocolViolation(DUPLICATE, from, "already answered");
    }
    // Check the whole response's form before keeping any of it: a refused message leaves no trace.
    // A share of the right form that is outside the field or does not open its dealer's commitment
    // was altered by the one revealing it: only that share is refused, and its revealer recorded.
    Map<Integer, ShamirShare> accepted = new HashMap<>();
    List<ProtocolViolation> altered = new ArrayList<>();
    Set<Integer> owners = new HashSet<>();
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
      if (!owners.add(owner)) {
        throw new ProtocolViolation(DUPLICATE, from, "two shares of client " + owner);
      }
      long[] values = share.getValuesList().stream().mapToLong(Long::longValue).toArray();
      // uint64 on the wire: huge values arrive negative.
      if (!ShareBundle.inField(values)) {
        altered.add(new ProtocolViolation(INCONSISTENT, from, "revealed a share of client " + owner
            + " with a value outside the field (it was checked in the field on arrival): refused"));
        continue;
      }
      ShamirShare revealed = new ShamirShare(ShareBundle.shareIndex(from), values);
      // A client's own share of its own secret has no commitment: if it is bad, the fault is the owner's anyway.
      if (owner != from && !ShareCommitments.opens(ctx.params(), owner, share.getKind(), revealed,
          share.getSalt().toByteArray(), commitment(owner, from, share.getKind()))) {
        altered.add(new ProtocolViolation(INCONSISTENT, from, "revealed a share of client " + owner
            + " that does not open the commitment client " + owner + " dealt with it: altered, refused"));
        continue;
      }
      accepted.put(owner, revealed);
    }
    responded.add(from);
    ctx.violations().addAll(altered);
    accepted.forEach((owner, share) -> shares.computeIfAbsent(owner, o -> new ArrayList<>()).add(share));
  }

  /** The commitment {@code owner} dealt {@code holder} for its secret of {@code kind}. */
  private com.google.protobuf.ByteString commitment(int owner, int holder, SecretKind kind) {
    for (EncryptedShares share : dealt.get(owner).getSharesList()) {
      if (share.getTo() == holder) {
        return kind == SecretKind.SECRET_KIND_SELF_MASK_SEED ? share.getSeedCommitment() : share.getKeyCommitment();
      }
    }
    return com.google.protobuf.ByteString.EMPTY; // opens nothing
  }

  @Override
  public boolean everyoneAnswered() {
    return responded.size() == asked.size();
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
        byte[] commitment = keys.get(u).getSeedCommitment().toByteArray();
        byte[] seed = rebuild(u, t, "self-mask seed of survivor", s -> HashCommitment.SELF_MASK_SEED.matches(s, commitment));
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
        byte[] advertised = keys.get(d).getMaskKey().toByteArray();
        byte[] maskKey = rebuild(d, t, "mask key of dropped client", k -> {
          ctx.meter().keyGenerations(1);
          return Arrays.equals(X25519.publicKey(k), advertised);
        });
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
    long weightTotal = sum[p.vectorLength()] & 0xFFFFFFFFL;
    // Weights are the clients' own words: one client can add anything mod 2^32 to the total (say,
    // make it 0, so decoding would divide by zero). Each honest weight is in [0, maxWeight], and the
    // sum holds every survivor's weight, so a total outside (0, survivors x maxWeight] means a client
    // sent a weight out of range; the sum is refused rather than decoded.
    long most = (long) survivors.size() * p.quantizer().maxWeight();
    if (weightTotal == 0 || weightTotal > most) {
      return aborted("the weight total " + weightTotal + " is outside (0, " + most + "] (" + survivors.size()
          + " survivors, each weight at most " + p.quantizer().maxWeight() + "): a client sent a weight out of range");
    }
    int[] inSum = survivors.stream().mapToInt(Integer::intValue).toArray();
    if (p.integerBits() > 0) {
      int[] integers = Arrays.copyOf(sum, p.vectorLength());
      if (p.integerBits() < 32) {
        // mod 2^32 reduced mod 2^b is the sum mod 2^b, since 2^b divides 2^32
        int mask = (1 << p.integerBits()) - 1;
        for (int i = 0; i < integers.length; i++) {
          integers[i] &= mask;
        }
      }
      return new Transition(new ServerCompleted(SecAggResult.ofIntegers(integers, weightTotal, inSum)), List.of());
    }
    int[] words = Arrays.copyOf(sum, p.vectorLength());
    double[] decoded = p.quantizer().decode(words, 1.0);
    return new Transition(new ServerCompleted(new SecAggResult(decoded, weightTotal, inSum, words)), List.of());
  }

  private static final int GROUP = 32;

  private MaskStream flushIfFull(MaskStream group) {
    if (group.size() < GROUP) {
      return group;
    }
    group.applyAll(sum);
    return ctx.keys().masks();
  }

  /** t-subsets tried when the first t shares do not rebuild a valid secret. */
  private static final int MAX_SUBSETS = 2000;

  /**
   * Rebuilds a secret and checks it ({@code valid}: a seed against its commitment, a mask key against
   * its advertised public key). Every share here opened the commitment its owner dealt with it (or is
   * the owner's own), so each is exactly what the owner dealt: if some t of them do not rebuild the
   * secret the owner committed to, or one lies off the others' polynomial, the owner dealt them wrong,
   * and it is recorded as the offender (BAD_DEALING), never a holder. The first t are tried, then
   * contiguous windows, then seeded random subsets, up to {@value #MAX_SUBSETS}, so a bad dealing
   * that still leaves t good shares does not stop the round.
   */
  private byte[] rebuild(int owner, int t, String what, Predicate<byte[]> valid) {
    List<ShamirShare> held = shares.getOrDefault(owner, List.of());
    if (held.size() < t) {
      throw new MissingShares("only " + held.size() + " shares of the " + what + " " + owner + "; threshold is " + t);
    }
    List<ShamirShare> basis = null;
    byte[] secret = null;
    Random order = new Random(owner);
    for (int attempt = 0; attempt < MAX_SUBSETS && basis == null; attempt++) {
      List<ShamirShare> candidate;
      if (attempt + t <= held.size()) {
        candidate = held.subList(attempt, attempt + t);
      } else {
        List<ShamirShare> shuffled = new ArrayList<>(held);
        Collections.shuffle(shuffled, order);
        candidate = shuffled.subList(0, t);
      }
      try {
        byte[] rebuilt = ShamirSecretSharing.reconstruct(candidate, t);
        if (valid.test(rebuilt)) {
          basis = candidate;
          secret = rebuilt;
        }
      } catch (CryptoException e) {
        // pieces that cannot be a secret: this subset holds a badly dealt share; try another
      }
      if (held.size() == t) {
        break; // only one subset exists
      }
    }
    if (basis == null) {
      ctx.violations().add(new ProtocolViolation(BAD_DEALING, owner, "no " + t + " of the " + held.size()
          + " shares it dealt (each opening its commitment) rebuild the " + what + " it committed to"));
      throw new MissingShares("no " + t + " of the " + held.size() + " shares of the " + what + " " + owner
          + " rebuild it to match what it advertised: client " + owner + " dealt them wrong");
    }
    for (ShamirShare share : held) {
      if (!basis.contains(share) && !ShamirSecretSharing.consistent(basis, t, share)) {
        ctx.violations().add(new ProtocolViolation(BAD_DEALING, owner, "dealt client " + (share.index() - 1)
            + " a share of its " + what.substring(0, what.lastIndexOf(" of ")) + " off the polynomial of the others"));
      }
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
