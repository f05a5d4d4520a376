package io.fedmesh.crypto.secagg;

import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.SecAggMessage;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** Drives a round to its masked-input phase and records what one client sends, as the server sees it. */
record MaskedInputTap(int[] words, SecAggServer server, List<SecAggClient> clients, List<Outgoing> pending) {

  static MaskedInputTap of(SecAggParameters params, float[][] x, long[] w, int watched, SecureRandom random) {
    SecAggServer server = new SecAggServer(params);
    List<SecAggClient> clients = new ArrayList<>();
    List<Outgoing> out = new ArrayList<>();
    for (int c = 0; c < params.clients(); c++) {
      clients.add(new SecAggClient(params, c, x[c], w[c], random));
      for (SecAggMessage m : clients.get(c).start()) {
        out.addAll(server.onMessage(c, m));
      }
    }
    // Deliver the directory; the shares the clients answer with come back as SharesForYou.
    for (int phase = 0; phase < 1; phase++) {
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : out) {
        for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
          next.addAll(server.onMessage(o.to(), reply));
        }
      }
      out = next;
    }
    int[] words = new int[params.words()];
    List<Outgoing> unmask = new ArrayList<>();
    for (Outgoing o : out) {
      for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
        if (o.to() == watched) {
          var chunk = reply.getMaskedInputChunk();
          chunk.getWords().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
              .get(words, chunk.getIndex() * params.chunkWords(), chunk.getWords().size() / 4);
        }
        unmask.addAll(server.onMessage(o.to(), reply));
      }
    }
    return new MaskedInputTap(words, server, clients, unmask);
  }
}
