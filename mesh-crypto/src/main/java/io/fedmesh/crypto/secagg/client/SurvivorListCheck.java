package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.UnmaskLists;
import java.util.Map;

/**
 * What a client checks of the server's survivor lists against what it saw itself, before it signs
 * them (malicious-server mode) or answers them (default mode). One round must yield at most one sum,
 * over one connected masking graph that every summed client agreed to:
 *
 * <ul>
 *   <li><b>Per neighbourhood</b> (Bonawitz et al. 2017's U3 &sube; U2 check, applied to each
 *       neighbourhood as in Bell et al. 2020): the lists name as having shared keys (survivor or
 *       dropped) exactly the neighbours whose shares this client received, which are exactly the
 *       neighbours it masked with. A server that forwarded shares selectively, so that clients mask
 *       within arcs of the ring, cannot then list everyone: each client at a cut sees a neighbour listed
 *       whose shares it never got. The lists are covered by the survivor-list signatures, so every
 *       signer of one statement masked over the same graph, the neighbour graph restricted to the
 *       listed sharers.
 *   <li><b>Connectivity</b>: the survivors induce one connected subgraph, so their pairwise masks
 *       join every survivor's input to the others' and unmasking reveals one sum, never a sum per
 *       component.
 * </ul>
 *
 * A server that shows different lists to different groups needs, at each cut between the groups,
 * t - k/2 corrupt clients among the k/2 ring positions beside it to give the clients at the cut their
 * t confirmations: {@code ParameterFinder}'s cut term bounds that.
 */
final class SurvivorListCheck {
  private SurvivorListCheck() {}

  /**
   * Why client {@code me} must not sign or answer {@code lists}, or null if they match its view.
   *
   * @param held the shares this client holds, by owner (itself included)
   * @param advertised the clients of the key directory this client used
   */
  static String problem(int me, UnmaskLists lists, Map<Integer, ShareBundle> held, NeighbourGraph graph,
      java.util.Set<Integer> advertised) {
    for (int j : graph.neighbours(me)) {
      boolean listed = lists.survived(j) || lists.dropped(j);
      boolean received = held.containsKey(j);
      if (listed && !received) {
        return "neighbour " + j + " is listed as " + (lists.survived(j) ? "a survivor" : "dropped")
            + " but this client never received its shares: the lists are not the masking graph it used";
      }
      if (received && !listed) {
        return "this client masked with neighbour " + j + " but the lists leave it out";
      }
    }
    for (int[] list : new int[][] {lists.survivors(), lists.dropped()}) {
      for (int c : list) {
        if (!graph.contains(c) || !advertised.contains(c)) {
          return "the lists name client " + c + ", which never advertised keys this round";
        }
      }
    }
    if (!graph.connected(lists.survivors())) {
      return "the " + lists.survivors().length + " survivors are not joined by pairwise masks into one group:"
          + " unmasking would reveal a sum per group";
    }
    return null;
  }
}
