package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.SecAggMessage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Red team (characterises a limit, passes): one client wraps its weight word (mod 2^32) so that the
 * total becomes 1, inside (0, survivors x max weight]; the server accepts and reports a weight total
 * of 1 for eight survivors. The check cannot see a negative weight that keeps the total in range.
 */
class WeightWrapInsideTheRangeIsAcceptedTest {
  private static final int N = 8;
  private static final int M = 12;

  @Test
  void aClientThatWrapsTheWeightTotalToOneIsNotDetected() {
    SecAggParameters params = SecAggFixtures.params(N, 4, 3, M);
    float[][] x = SecAggFixtures.integerUpdates(N, M, 9);
    long[] w = SecAggFixtures.weights(N, 9);
    long delta = 1 - Arrays.stream(w).sum();
    SecAggServer server = new SecAggServer(params);
    List<SecAggClient> cohort = new ArrayList<>();
    SimulationRandom r = SimulationRandom.fromSeed(5);
    for (int c = 0; c < N; c++) {
      cohort.add(new SecAggClient(params, c, x[c], w[c], r));
    }
    List<Outgoing> pending = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      pending.addAll(server.onMessage(c, cohort.get(c).start().get(0)));
    }
    while (!pending.isEmpty()) {
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : pending) {
        for (SecAggMessage reply : cohort.get(o.to()).onMessage(o.message())) {
          next.addAll(server.onMessage(o.to(), o.to() == 3 ? poisonWeight(params, reply, delta) : reply));
        }
      }
      pending = next;
    }
    assertThat(server.result()).isPresent();
    assertThat(server.result().get().weightTotal()).isEqualTo(1);
    assertThat(server.result().get().survivors()).hasSize(N);
  }

  private static SecAggMessage poisonWeight(SecAggParameters params, SecAggMessage m, long delta) {
    if (!m.hasMaskedInputChunk() || m.getMaskedInputChunk().getIndex() != params.chunkCount() - 1) {
      return m;
    }
    byte[] words = m.getMaskedInputChunk().getWords().toByteArray();
    ByteBuffer b = ByteBuffer.wrap(words).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(words.length - 4, (int) (b.getInt(words.length - 4) + delta));
    return m.toBuilder().setMaskedInputChunk(m.getMaskedInputChunk().toBuilder().setWords(ByteString.copyFrom(words))).build();
  }
}
