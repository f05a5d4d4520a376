package io.fedmesh.crypto.secagg.client;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.HashCommitment;
import io.fedmesh.crypto.secagg.shared.Advertisements;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.crypto.shamir.ShamirShare;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.GraphNonce;
import io.fedmesh.proto.v1.GraphNonces;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.ShareKeys;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Waiting for the key directory (in malicious-server mode: already fixed, waiting for every member's
 * graph nonce). On it: derive the neighbour graph, share the self-mask seed and the mask secret key
 * t-of-(k+1) among the neighbours and this client, and send each neighbour its shares encrypted under a
 * key only the two of them can derive (Bonawitz et al. 2017, round 1).
 *
 * @param fixed the directory this client revealed its graph nonce for (malicious-server mode), or null
 */
record R1ShareKeys(Secrets secrets, AdvertiseKeys mine, KeyDirectory fixed) implements ClientState {
  @Override
  public Phase phase() {
    return Phase.SHARE_KEYS;
  }

  @Override
  public Transition onMessage(ClientContext ctx, SecAggMessage message) {
    KeyDirectory directory;
    GraphNonces nonces = null;
    if (fixed == null && message.hasKeyDirectory()) {
      directory = message.getKeyDirectory();
    } else if (fixed != null && message.hasGraphNonces()) {
      directory = fixed;
      nonces = message.getGraphNonces();
    } else {
      return ClientState.super.onMessage(ctx, message);
    }
    Map<Integer, AdvertiseKeys> keys = DirectoryCheck.check(ctx, directory, mine);
    int t = ctx.params().threshold();
    if (keys.size() < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "only " + keys.size() + " clients advertised keys; threshold is " + t)));
    }
    if (nonces != null) {
      String problem = openedProblem(keys, nonces);
      if (problem != null) {
        return Transition.to(new ClientAborted(new AbortReason(phase(), AbortReason.Cause.EQUIVOCATION, problem)));
      }
    }
    NeighbourGraph graph = NeighbourGraph.forRound(ctx.params(), directory, nonces);
    // Neighbours that did not advertise (malicious-server graphs span the whole cohort) dropped already.
    int[] neighbours = java.util.Arrays.stream(graph.neighbours(ctx.me())).filter(keys::containsKey).toArray();
    if (ctx.params().maliciousServer()) {
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
    List<ShamirShare> seedShares = ShamirSecretSharing.split(secrets.selfMaskSeed(), t, holders, ctx.random());
    List<ShamirShare> keyShares = ShamirSecretSharing.split(secrets.maskKeys().privateKey(), t, holders, ctx.random());

    ShareKeys.Builder out = ShareKeys.newBuilder().setClient(ctx.me());
    Map<Integer, byte[]> shareSecrets = new HashMap<>();
    for (int i = 0; i < neighbours.length; i++) {
      int to = neighbours[i];
      byte[] secret;
      try {
        secret = ctx.keys().shareSecret(secrets.shareKeys().privateKey(), keys.get(to).getShareKey().toByteArray());
      } catch (InvalidKeyMaterialException e) {
        throw new ProtocolViolation(ProtocolViolation.Code.INVALID_KEY, to, "client " + to + "'s share key is a low-order point");
      }
      shareSecrets.put(to, secret);
      ShareBundle bundle = new ShareBundle(seedShares.get(i), keyShares.get(i), salt(ctx), salt(ctx));
      ByteString seedCommitment = ByteString.copyFrom(ShareCommitments.of(ctx.params(), ctx.me(), to,
          SecretKind.SECRET_KIND_SELF_MASK_SEED, bundle.selfMaskSeed().values(), bundle.seedSalt()));
      ByteString keyCommitment = ByteString.copyFrom(ShareCommitments.of(ctx.params(), ctx.me(), to,
          SecretKind.SECRET_KIND_MASK_KEY, bundle.maskKey().values(), bundle.keySalt()));
      byte[] sealed = ctx.keys().shareKey(secret, ctx.me(), to).seal(bundle.encode(),
          ShareCommitments.associatedData(ctx.keys(), ctx.me(), to, seedCommitment, keyCommitment), ctx.random());
      out.addShares(EncryptedShares.newBuilder().setFrom(ctx.me()).setTo(to).setCiphertext(ByteString.copyFrom(sealed))
          .setSeedCommitment(seedCommitment).setKeyCommitment(keyCommitment));
    }
    if (ctx.params().maliciousServer()) {
      out.setSignature(ShareCommitments.sign(ctx.params(), out, ctx.identity()));
    }
    // This client's own share is never revealed by anyone else, so its salts are never opened.
    ShareBundle own = new ShareBundle(seedShares.get(neighbours.length), keyShares.get(neighbours.length),
        new byte[ShareBundle.SALT_BYTES], new byte[ShareBundle.SALT_BYTES]);
    SecAggMessage reply = SecAggMessage.newBuilder().setRound(ctx.params().round()).setShareKeys(out).build();
    return Transition.to(new R2MaskedInput(shareSecrets, secrets.maskKeys(), keys, graph, secrets.selfMaskSeed(), own), reply);
  }

  private static byte[] salt(ClientContext ctx) {
    byte[] salt = new byte[ShareBundle.SALT_BYTES];
    ctx.random().nextBytes(salt);
    return salt;
  }

  /** Why the revealed nonces cannot fix the graph (not exactly the members', or one does not open), or null. */
  private String openedProblem(Map<Integer, AdvertiseKeys> keys, GraphNonces nonces) {
    if (nonces.getNoncesCount() != keys.size()) {
      return nonces.getNoncesCount() + " graph nonces for a directory of " + keys.size() + " clients";
    }
    var members = keys.values().iterator();
    for (GraphNonce nonce : nonces.getNoncesList()) {
      AdvertiseKeys ad = members.next();
      if (nonce.getClient() != ad.getClient()) {
        return "graph nonces are not the directory's members in order (client " + nonce.getClient() + ")";
      }
      if (nonce.getNonce().size() != 32
          || !HashCommitment.GRAPH_NONCE.matches(nonce.getNonce().toByteArray(), ad.getGraphCommitment().toByteArray())) {
        return "client " + ad.getClient() + "'s graph nonce does not open its commitment";
      }
    }
    return null;
  }
}
