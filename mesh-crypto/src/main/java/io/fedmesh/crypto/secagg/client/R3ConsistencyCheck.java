package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.UnmaskLists;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SurvivorList;
import java.util.Map;

/**
 * Malicious-server mode, waiting for the survivor list (Bonawitz et al. 2017, round 3, consistency
 * check; Bell et al. 2020 over neighbourhoods). On it: sign the lists, so that neighbours can tell
 * whether the server shows everyone the same ones, and reveal nothing yet. A list that calls this
 * live client dropped is the server lying: the client aborts and signs nothing.
 */
record R3ConsistencyCheck(Map<Integer, ShareBundle> held, Map<Integer, AdvertiseKeys> directory, NeighbourGraph graph)
    implements ClientState {
  @Override
  public Phase phase() {
    return Phase.CONSISTENCY_CHECK;
  }

  @Override
  public Transition onMessage(ClientContext ctx, SecAggMessage message) {
    if (!message.hasSurvivorList()) {
      return ClientState.super.onMessage(ctx, message);
    }
    SurvivorList list = message.getSurvivorList();
    UnmaskLists lists = UnmaskLists.parse(list.getSurvivorsList(), list.getDroppedList(), ctx.params().clients());
    if (!lists.survived(ctx.me())) {
      return Transition.to(new ClientAborted(new AbortReason(phase(), AbortReason.Cause.EQUIVOCATION,
          "this client sent its whole masked input but the survivor list leaves it out: " + lists)));
    }
    int least = ctx.params().minSurvivors();
    if (lists.survivors().length < least) {
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "only " + lists.survivors().length + " survivors; a round of " + ctx.params().clients() + " needs at least " + least)));
    }
    String problem = SurvivorListCheck.problem(ctx.me(), lists, held, graph, directory.keySet());
    if (problem != null) {
      return Transition.to(new ClientAborted(new AbortReason(phase(), AbortReason.Cause.EQUIVOCATION, problem)));
    }
    SecAggMessage reply = SecAggMessage.newBuilder().setRound(ctx.params().round())
        .setSurvivorListSignature(lists.statement(ctx.params(), graph).sign(ctx.identity(), ctx.me())).build();
    return Transition.to(new R3Unmasking(held, lists, directory, graph), reply);
  }
}
