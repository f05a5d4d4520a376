package io.fedmesh.crypto.secagg.client;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.agreement.X25519KeyPair;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Advertisements;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.ShareKeys;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Waiting for the key directory. On it: derive the neighbour graph, make the self-mask seed, share it
 * and the mask secret key t-of-(k+1) among the neighbours and this client, and send each neighbour
 * its shares encrypted under a key only the two of them can derive (Bonawitz et al. 2017, round 1).
 */
record R1ShareKeys(X25519KeyPair shareKeys, X25519KeyPair maskKeys, byte[] selfMaskSeed, AdvertiseKeys mine)
    implements ClientState {
  @Override
  public Phase phase() {
    return Phase.SHARE_KEYS;
  }

  @Override
  public Transition onMessage(ClientContext ctx, SecAggMessage message) {
    if (!message.hasKeyDirectory()) {
      return ClientState.super.onMessage(ctx, message);
    }
    KeyDirectory directory = message.getKeyDirectory();
    Map<Integer, AdvertiseKeys> keys = checkDirectory(ctx, directory);
    int t = ctx.params().threshold();
    if (keys.size() < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "only " + keys.size() + " clients advertised keys; threshold is " + t)));
    }
    NeighbourGraph graph = NeighbourGraph.forRound(ctx.params(), directory);
    int[] neighbours = graph.neighbours(ctx.me());
    if (ctx.identity() != null) {
      // Every advertisement this client uses must be its owner's, for these parameters, unaltered.
      for (int j : neighbours) {
        var problem = Advertisements.check(keys.get(j), ctx.params());
        if (problem.isPresent()) {
          AbortReason.Cause cause = problem.get() == Advertisements.Problem.PARAMETER_MISMATCH
              ? AbortReason.Cause.PARAMETER_MISMATCH : AbortReason.Cause.KEY_SUBSTITUTION;
          return Transition.to(new ClientAborted(new AbortReason(phase(), cause,
              "the advertisement of neighbour " + j + " cannot be trusted: " + problem.get())));
        }
      }
    }
    if (neighbours.length + 1 < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "only " + (neighbours.length + 1) + " shareholders for this client's secrets; threshold is " + t)));
    }

    int[] holders = new int[neighbours.length + 1];
    for (int i = 0; i < neighbours.length; i++) {
      holders[i] = ShareBundle.shareIndex(neighbours[i]);
    }
    holders[neighbours.length] = ShareBundle.shareIndex(ctx.me());
    List<ShamirShare> seedShares = ShamirSecretSharing.split(selfMaskSeed, t, holders, ctx.random());
    List<ShamirShare> keyShares = ShamirSecretSharing.split(maskKeys.privateKey(), t, holders, ctx.random());

    ShareKeys.Builder out = ShareKeys.newBuilder().setClient(ctx.me());
    Map<Integer, byte[]> shareSecrets = new HashMap<>();
    for (int i = 0; i < neighbours.length; i++) {
      int to = neighbours[i];
      byte[] secret;
      try {
        secret = ctx.keys().shareSecret(shareKeys.privateKey(), keys.get(to).getShareKey().toByteArray());
      } catch (InvalidKeyMaterialException e) {
        throw new ProtocolViolation(ProtocolViolation.Code.INVALID_KEY, to, "client " + to + "'s share key is a low-order point");
      }
      shareSecrets.put(to, secret);
      byte[] plaintext = new ShareBundle(seedShares.get(i), keyShares.get(i)).encode();
      byte[] sealed = ctx.keys().shareKey(secret, ctx.me(), to)
          .seal(plaintext, ctx.keys().shareInfo(ctx.me(), to), ctx.random());
      out.addShares(EncryptedShares.newBuilder().setFrom(ctx.me()).setTo(to).setCiphertext(ByteString.copyFrom(sealed)));
    }
    ShareBundle own = new ShareBundle(seedShares.get(neighbours.length), keyShares.get(neighbours.length));
    SecAggMessage reply = SecAggMessage.newBuilder().setRound(ctx.params().round()).setShareKeys(out).build();
    return Transition.to(new R2MaskedInput(shareSecrets, maskKeys, keys, graph, selfMaskSeed, own), reply);
  }

  private Map<Integer, AdvertiseKeys> checkDirectory(ClientContext ctx, KeyDirectory directory) {
    Map<Integer, AdvertiseKeys> keys = new HashMap<>();
    int previous = -1;
    for (AdvertiseKeys entry : directory.getKeysList()) {
      int c = entry.getClient();
      if (c >= ctx.params().clients()) {
        throw new ProtocolViolation(NOT_IN_ROUND, -1, "key directory names client " + c + " outside the cohort");
      }
      if (c <= previous) {
        throw new ProtocolViolation(INCONSISTENT, -1, "key directory is not in strictly ascending client order");
      }
      if (entry.getShareKey().size() != 32 || entry.getMaskKey().size() != 32 || entry.getSeedCommitment().size() != 32) {
        throw new ProtocolViolation(WRONG_LENGTH, -1, "client " + c + "'s keys and commitment are not 32 bytes each");
      }
      previous = c;
      keys.put(c, entry);
    }
    if (!mine.equals(keys.get(ctx.me()))) {
      throw new ProtocolViolation(INCONSISTENT, -1, "key directory does not hold this client's own advertisement");
    }
    return keys;
  }
}
