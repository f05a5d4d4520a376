package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;

import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.UnmaskLists;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SurvivorListSignature;
import io.fedmesh.proto.v1.UnmaskRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Malicious-server mode, the consistency check: collect each survivor's signature over the survivor
 * lists, then ask each signer to unmask, forwarding the signatures of its neighbours. A client answers
 * only if at least t of its neighbours signed the very lists it signed.
 */
final class S2bCollectListSignatures implements ServerState {
  private final ServerContext ctx;
  private final TreeMap<Integer, AdvertiseKeys> keys;
  private final NeighbourGraph graph;
  private final int[] sum;
  private final TreeSet<Integer> survivors;
  private final TreeSet<Integer> dropped;
  private final UnmaskLists.Statement statement;
  private final TreeMap<Integer, SurvivorListSignature> signatures = new TreeMap<>();

  private final TreeMap<Integer, io.fedmesh.proto.v1.ShareKeys> dealt;

  S2bCollectListSignatures(ServerContext ctx, TreeMap<Integer, AdvertiseKeys> keys, NeighbourGraph graph, int[] sum,
      TreeSet<Integer> survivors, TreeSet<Integer> dropped, TreeMap<Integer, io.fedmesh.proto.v1.ShareKeys> dealt) {
    this.dealt = dealt;
    this.ctx = ctx;
    this.keys = keys;
    this.graph = graph;
    this.sum = sum;
    this.survivors = survivors;
    this.dropped = dropped;
    this.statement = UnmaskLists.of(survivors, dropped).statement(ctx.params(), graph);
  }

  @Override
  public Phase phase() {
    return Phase.CONSISTENCY_CHECK;
  }

  @Override
  public void onMessage(int from, SecAggMessage message) {
    if (!message.hasSurvivorListSignature()) {
      ServerState.super.onMessage(from, message);
    }
    SurvivorListSignature signature = message.getSurvivorListSignature();
    ctx.checkSender(from, signature.getClient());
    if (!survivors.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "is not a survivor");
    }
    if (signatures.containsKey(from)) {
      throw new ProtocolViolation(DUPLICATE, from, "survivor lists already signed");
    }
    // Forwarding a bad signature would only make the sender's neighbours abort.
    if (!statement.signedBy(keys.get(from), signature)) {
      throw new ProtocolViolation(INCONSISTENT, from, "signature does not verify over the survivor lists");
    }
    signatures.put(from, signature);
  }

  @Override
  public boolean everyoneAnswered() {
    return signatures.size() == survivors.size();
  }

  @Override
  public Transition close() {
    ServerState abort = ctx.abortUnlessEnough(phase(), signatures.size(), "signed the survivor lists");
    if (abort != null) {
      return new Transition(abort, List.of());
    }
    List<Outgoing> out = new ArrayList<>(signatures.size());
    for (int c : signatures.keySet()) {
      UnmaskRequest.Builder request = UnmaskRequest.newBuilder().addAllSurvivors(survivors).addAllDropped(dropped);
      for (int j : graph.neighbours(c)) {
        SurvivorListSignature s = signatures.get(j);
        if (s != null) {
          request.addSignatures(s);
        }
      }
      out.add(new Outgoing(c, SecAggMessage.newBuilder().setRound(ctx.params().round()).setUnmaskRequest(request).build()));
    }
    return new Transition(new S3CollectUnmasking(ctx, keys, graph, sum, survivors, dropped, signatures.keySet(), dealt), out);
  }
}
