package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.HashCommitment;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.GraphNonce;
import io.fedmesh.proto.v1.GraphNonces;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Malicious-server mode, after the directory: collect every member's graph nonce, then send them all
 * to every member. The graph's seed hashes them, so it is fixed only once every member has revealed,
 * and nobody knew it when the directory was chosen. All or nothing: with one nonce missing the graph
 * cannot be fixed and the round ends (a fresh round without that client can start at once).
 */
final class S0bCollectGraphNonces implements ServerState {
  private final ServerContext ctx;
  private final TreeMap<Integer, AdvertiseKeys> keys;
  private final KeyDirectory directory;
  private final TreeMap<Integer, GraphNonce> nonces = new TreeMap<>();

  S0bCollectGraphNonces(ServerContext ctx, TreeMap<Integer, AdvertiseKeys> keys, KeyDirectory directory) {
    this.ctx = ctx;
    this.keys = keys;
    this.directory = directory;
  }

  @Override
  public Phase phase() {
    return Phase.FIX_GRAPH;
  }

  @Override
  public void onMessage(int from, SecAggMessage message) {
    if (!message.hasGraphNonce()) {
      ServerState.super.onMessage(from, message);
    }
    GraphNonce nonce = message.getGraphNonce();
    ctx.checkSender(from, nonce.getClient());
    if (!keys.containsKey(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "is not in the key directory");
    }
    if (nonces.containsKey(from)) {
      throw new ProtocolViolation(DUPLICATE, from, "graph nonce already revealed");
    }
    if (nonce.getNonce().size() != 32) {
      throw new ProtocolViolation(WRONG_LENGTH, from, "graph nonce of " + nonce.getNonce().size() + " bytes, expected 32");
    }
    if (!HashCommitment.GRAPH_NONCE.matches(nonce.getNonce().toByteArray(), keys.get(from).getGraphCommitment().toByteArray())) {
      throw new ProtocolViolation(INCONSISTENT, from, "graph nonce does not open the advertised commitment");
    }
    nonces.put(from, nonce);
  }

  @Override
  public boolean everyoneAnswered() {
    return nonces.size() == keys.size();
  }

  @Override
  public Transition close() {
    if (nonces.size() < keys.size()) {
      List<Integer> missing = new ArrayList<>(keys.keySet());
      missing.removeAll(nonces.keySet());
      return new Transition(new ServerAborted(new AbortReason(phase(), "clients " + missing
          + " did not reveal their graph nonces: the graph cannot be fixed without every member's")), List.of());
    }
    GraphNonces all = GraphNonces.newBuilder().addAllNonces(nonces.values()).build();
    NeighbourGraph graph = NeighbourGraph.forRound(ctx.params(), directory, all);
    SecAggMessage message = SecAggMessage.newBuilder().setRound(ctx.params().round()).setGraphNonces(all).build();
    List<Outgoing> out = new ArrayList<>(keys.size());
    for (int c : keys.keySet()) {
      out.add(new Outgoing(c, message));
    }
    return new Transition(new S1CollectShares(ctx, keys, graph), out);
  }
}
