package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.secagg.shared.Advertisements;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Phase 0: collect each client's two public keys and commitments (signed, in malicious-server mode);
 * then send every advertiser the directory.
 */
final class S0CollectKeys implements ServerState {
  private final ServerContext ctx;
  private final TreeMap<Integer, AdvertiseKeys> keys = new TreeMap<>();

  S0CollectKeys(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Phase phase() {
    return Phase.ADVERTISE_KEYS;
  }

  @Override
  public void onMessage(int from, SecAggMessage message) {
    if (!message.hasAdvertiseKeys()) {
      ServerState.super.onMessage(from, message);
    }
    AdvertiseKeys advertise = message.getAdvertiseKeys();
    ctx.checkSender(from, advertise.getClient());
    if (from < 0 || from >= ctx.params().clients()) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "not in the cohort");
    }
    if (keys.containsKey(from)) {
      throw new ProtocolViolation(DUPLICATE, from, "keys already advertised");
    }
    // A signed advertisement must verify; forwarding a bad one would only make its neighbours abort.
    if (ctx.params().maliciousServer() || !advertise.getIdentityKey().isEmpty() || !advertise.getSignature().isEmpty()) {
      var problem = Advertisements.check(advertise, ctx.params());
      if (problem.isPresent()) {
        throw new ProtocolViolation(ProtocolViolation.Code.INCONSISTENT, from, "signed advertisement fails: " + problem.get());
      }
    }
    if (advertise.getShareKey().size() != 32 || advertise.getMaskKey().size() != 32
        || advertise.getSeedCommitment().size() != 32
        || (ctx.params().maliciousServer() && advertise.getGraphCommitment().size() != 32)) {
      throw new ProtocolViolation(WRONG_LENGTH, from, "public keys and commitments must be 32 bytes each");
    }
    // A low-order key would make every neighbour's agreement with it fail (or fix its secret).
    if (!ctx.keys().usable(advertise.getShareKey().toByteArray()) || !ctx.keys().usable(advertise.getMaskKey().toByteArray())) {
      throw new ProtocolViolation(ProtocolViolation.Code.INVALID_KEY, from, "a public key is a low-order point");
    }
    keys.put(from, advertise);
  }

  @Override
  public boolean everyoneAnswered() {
    return keys.size() == ctx.params().clients();
  }

  @Override
  public Transition close() {
    ServerState abort = ctx.abortUnlessEnough(phase(), keys.size(), "advertised keys");
    if (abort != null) {
      return new Transition(abort, List.of());
    }
    KeyDirectory directory = KeyDirectory.newBuilder().addAllKeys(keys.values()).build();
    SecAggMessage message = SecAggMessage.newBuilder().setRound(ctx.params().round()).setKeyDirectory(directory).build();
    List<Outgoing> out = new ArrayList<>(keys.size());
    for (int c : keys.keySet()) {
      out.add(new Outgoing(c, message));
    }
    ServerState next = ctx.params().maliciousServer() ? new S0bCollectGraphNonces(ctx, keys, directory)
        : new S1CollectShares(ctx, keys, NeighbourGraph.forRound(ctx.params(), directory, null));
    return new Transition(next, out);
  }
}
