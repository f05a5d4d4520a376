package io.fedmesh.crypto.secagg;

import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.SecAggMessage;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one whole round in this process: real client and server engines, messages passed by reference,
 * clients dropping out on a schedule. For simulation, tests and benchmarks; the node runs the same
 * engines over gRPC. Deadlines are "everyone who is going to answer has answered".
 */
public final class InProcessRound {

  /**
   * When clients drop out.
   *
   * @param dropBefore client -> the phase whose message it never sends (and everything after)
   * @param partialUpload clients that send only the first half of their masked-input chunks, then stop
   */
  public record Dropouts(Map<Integer, Phase> dropBefore, Set<Integer> partialUpload) {
    public static Dropouts none() {
      return new Dropouts(Map.of(), Set.of());
    }

    boolean sends(int client, Phase phase) {
      Phase drop = dropBefore.get(client);
      return drop == null || phase.ordinal() < drop.ordinal();
    }
  }

  /** The engines after the round, to read results, abort reasons and per-client state from. */
  public record Outcome(SecAggServer server, List<SecAggClient> clients) {}

  private InProcessRound() {}

  public static Outcome run(SecAggParameters params, float[][] updates, long[] weights, Dropouts dropouts,
      SecureRandom random) {
    SecAggServer server = new SecAggServer(params);
    List<SecAggClient> clients = new ArrayList<>();
    for (int c = 0; c < params.clients(); c++) {
      clients.add(new SecAggClient(params, c, updates[c], weights[c], random));
    }
    List<Outgoing> toClients = new ArrayList<>();
    for (int c = 0; c < params.clients(); c++) {
      if (dropouts.sends(c, Phase.ADVERTISE_KEYS)) {
        for (SecAggMessage m : clients.get(c).start()) {
          toClients.addAll(server.onMessage(c, m));
        }
      }
    }
    while (server.result().isEmpty() && server.abortReason().isEmpty()) {
      if (toClients.isEmpty()) {
        toClients = server.onDeadline();
        continue;
      }
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : toClients) {
        List<SecAggMessage> replies = clients.get(o.to()).onMessage(o.message());
        if (replies.isEmpty() || !dropouts.sends(o.to(), phaseOf(replies.get(0)))) {
          continue;
        }
        int send = dropouts.partialUpload().contains(o.to()) && replies.get(0).hasMaskedInputChunk()
            ? Math.max(1, replies.size() / 2) : replies.size();
        for (SecAggMessage reply : replies.subList(0, send)) {
          next.addAll(server.onMessage(o.to(), reply));
        }
      }
      toClients = next;
    }
    return new Outcome(server, clients);
  }

  private static Phase phaseOf(SecAggMessage m) {
    return switch (m.getBodyCase()) {
      case ADVERTISE_KEYS -> Phase.ADVERTISE_KEYS;
      case SHARE_KEYS -> Phase.SHARE_KEYS;
      case MASKED_INPUT_CHUNK -> Phase.MASKED_INPUT;
      case UNMASK_RESPONSE -> Phase.UNMASKING;
      default -> throw new IllegalStateException("clients do not send " + m.getBodyCase());
    };
  }
}
