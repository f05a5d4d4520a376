package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzz-style (issue 12, item 3): random and mutated messages, of every kind, to every client and server
 * state of a round, in both modes. The only exception an engine may throw is {@link ProtocolViolation},
 * and a refused message must leave the engine in the phase it was in. Deterministic: a failure names
 * the seed, phase and message.
 */
class SecAggFuzzTest {
  private static final int N = LyingServer.N;
  private static final int MUTATIONS_PER_PHASE = 250;

  /**
   * @param mode "default", "malicious", or "malicious-absent": a malicious-server round in which client
   *     5 never advertises, so its neighbours have a graph neighbour missing from the directory
   */
  @ParameterizedTest
  @ValueSource(strings = {"default", "malicious", "malicious-absent"})
  void everyStateRefusesHostileMessagesWithTypedRefusalsOnly(String mode) {
    boolean malicious = mode.startsWith("malicious");
    int absent = mode.endsWith("absent") ? 5 : -1;
    Round honest = new Round(malicious, absent, Integer.MAX_VALUE);
    List<SecAggMessage> corpus = honest.sent;
    assertThat(corpus).hasSizeGreaterThan(5 * N);
    int phases = malicious ? 6 : 4;
    for (int stop = 0; stop < phases; stop++) {
      Round round = new Round(malicious, absent, stop);
      Random random = new Random(1000L * stop + mode.hashCode());
      for (int i = 0; i < MUTATIONS_PER_PHASE; i++) {
        int pick = random.nextInt(corpus.size());
        SecAggMessage hostile = hostile(corpus.get(pick), random);
        // Mostly to the client the original went to (or came from): where a mutation gets furthest.
        int target = random.nextInt(4) != 0 ? honest.party.get(pick) : random.nextInt(N + 1) - (random.nextInt(8) == 0 ? 3 : 0);
        String where = "mode " + mode + ", stop " + stop + ", mutation " + i;
        if (random.nextBoolean()) {
          int from = random.nextInt(12) == 0 ? random.nextInt() : Math.floorMod(target, N);
          check(where + ", server from " + from, round.server::phase, () -> round.server.onMessage(from, hostile), hostile);
        } else {
          SecAggClient client = round.clients.get(Math.floorMod(target, N));
          check(where + ", client " + Math.floorMod(target, N), client::phase, () -> client.onMessage(hostile), hostile);
        }
        if (random.nextInt(100) == 0) {
          round.clients.get(random.nextInt(N)).onDeadline();
        }
      }
      if (random.nextBoolean()) {
        round.server.onDeadline(); // closing a phase after the onslaught must not throw either
      }
    }
  }

  /**
   * The reviewer's case: in malicious-server mode the graph spans the whole cohort, so a client that
   * never advertised is still a graph neighbour; shares or signatures "from" it must be typed refusals.
   */
  @org.junit.jupiter.api.Test
  void sharesFromAGraphNeighbourThatNeverAdvertisedAreRefusedWithAType() {
    int absent = 5;
    Round round = new Round(true, absent, 2); // clients wait for their shares
    int refused = 0;
    for (Outgoing o : round.pending) {
      SecAggMessage m = o.message();
      if (!m.hasSharesForYou() || m.getSharesForYou().getSharesCount() == 0) {
        continue;
      }
      int to = o.to();
      var forged = m.getSharesForYou().getShares(0).toBuilder().setFrom(absent);
      SecAggMessage hostile = m.toBuilder().setSharesForYou(m.getSharesForYou().toBuilder().setShares(0, forged)).build();
      SecAggClient client = round.clients.get(to);
      Phase before = client.phase();
      try {
        client.onMessage(hostile);
      } catch (ProtocolViolation expected) {
        refused++;
        assertThat(client.phase()).isEqualTo(before);
      }
    }
    assertThat(refused).isPositive();
  }

  private static void check(String where, java.util.function.Supplier<Phase> phase, Runnable call, SecAggMessage message) {
    Phase before = phase.get();
    try {
      call.run();
    } catch (ProtocolViolation refused) {
      assertThat(phase.get()).as(where + ": a refused message changed the phase").isEqualTo(before);
    } catch (RuntimeException e) {
      fail(where + ": " + e + " escaped for " + message.getBodyCase() + " " + message, e);
    }
  }

  /** A corpus message mutated, another message's body spliced in, or random bytes that happen to parse. */
  private static SecAggMessage hostile(SecAggMessage base, Random random) {
    switch (random.nextInt(10)) {
      case 0 -> {
        byte[] bytes = base.toByteArray();
        for (int flips = 1 + random.nextInt(4); flips > 0 && bytes.length > 0; flips--) {
          bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        }
        try {
          return SecAggMessage.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
          return base;
        }
      }
      case 1 -> {
        return base; // an exact replay, maybe to the wrong party or phase
      }
      default -> {
        Message.Builder b = base.toBuilder();
        for (int m = 1 + random.nextInt(3); m > 0; m--) {
          mutate(b, random, 0);
        }
        return (SecAggMessage) b.build();
      }
    }
  }

  private static void mutate(Message.Builder b, Random random, int depth) {
    // Mostly a field the message has (deep mutations get past the first checks), sometimes any field.
    List<FieldDescriptor> fields = new ArrayList<>(b.getAllFields().keySet());
    if (fields.isEmpty() || random.nextInt(5) == 0) {
      fields = b.getDescriptorForType().getFields();
    }
    FieldDescriptor f = fields.get(random.nextInt(fields.size()));
    if (f.isRepeated()) {
      int count = b.getRepeatedFieldCount(f);
      int op = random.nextInt(4);
      if (count > 0 && op == 0) {
        List<Object> kept = new ArrayList<>();
        int drop = random.nextInt(count);
        for (int i = 0; i < count; i++) {
          if (i != drop) {
            kept.add(b.getRepeatedField(f, i));
          }
        }
        b.clearField(f);
        kept.forEach(v -> b.addRepeatedField(f, v));
      } else if (count > 0 && op == 1) {
        int i = random.nextInt(count);
        b.setRepeatedField(f, i, f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth < 4
            ? mutated((Message) b.getRepeatedField(f, i), random, depth + 1) : value(f, b.getRepeatedField(f, i), random));
      } else if (count > 0 && op == 2) {
        b.addRepeatedField(f, b.getRepeatedField(f, random.nextInt(count)));
      } else if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        b.addRepeatedField(f, value(f, null, random));
      }
    } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (random.nextInt(5) == 0 || depth >= 4) {
        b.clearField(f);
      } else {
        b.setField(f, mutated((Message) b.getField(f), random, depth + 1));
      }
    } else {
      b.setField(f, value(f, b.getField(f), random));
    }
  }

  private static Message mutated(Message m, Random random, int depth) {
    Message.Builder sub = m.toBuilder();
    mutate(sub, random, depth);
    return sub.build();
  }

  private static Object value(FieldDescriptor f, Object current, Random random) {
    return switch (f.getJavaType()) {
      // Mostly client indices, in and just outside the cohort: what gets past the first checks.
      case INT -> random.nextBoolean() ? random.nextInt(N + 2)
          : new int[] {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt(), random.nextInt(20)}[random.nextInt(5)];
      case LONG -> new long[] {0, 1, -1, 6, 7, 8, Long.MAX_VALUE, Long.MIN_VALUE, random.nextLong(), 2147483659L}[random.nextInt(10)];
      case BOOLEAN -> random.nextBoolean();
      case FLOAT -> new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f, 1e30f}[random.nextInt(4)];
      case DOUBLE -> new double[] {Double.NaN, Double.NEGATIVE_INFINITY, 0, 1e300}[random.nextInt(4)];
      case STRING -> "x".repeat(random.nextInt(70));
      case BYTE_STRING -> bytes(current instanceof ByteString b ? b : ByteString.EMPTY, random);
      case ENUM -> {
        EnumDescriptor e = f.getEnumType();
        yield random.nextInt(4) == 0 ? e.findValueByNumberCreatingIfUnknown(99)
            : e.getValues().get(random.nextInt(e.getValues().size()));
      }
      case MESSAGE -> throw new IllegalStateException("messages are mutated, not replaced");
    };
  }

  private static ByteString bytes(ByteString current, Random random) {
    if (!current.isEmpty() && random.nextBoolean()) {
      byte[] b = current.toByteArray();
      b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
      return ByteString.copyFrom(b);
    }
    byte[] b = new byte[new int[] {0, 1, 16, 31, 32, 33, 64, 65, random.nextInt(300)}[random.nextInt(9)]];
    random.nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** An honest round run until the server has sent the messages that start phase number {@code stop}; records every message. */
  private static final class Round {
    final List<SecAggMessage> sent = new ArrayList<>();
    /** The client each recorded message went to or came from. */
    final List<Integer> party = new ArrayList<>();
    final List<SecAggClient> clients = new ArrayList<>();
    final SecAggServer server;
    /** What the server sent last, undelivered: the messages that start phase {@code stop}. */
    List<Outgoing> pending = new ArrayList<>();

    Round(boolean malicious, int absent, int stop) {
      List<SigningKey> ids = new ArrayList<>();
      SecAggParameters params = malicious ? new SecAggParameters(LyingServer.maliciousConfig(ids, 500).build())
          : SecAggFixtures.params(N, LyingServer.K, LyingServer.T, LyingServer.M);
      server = new SecAggServer(params);
      float[][] x = SecAggFixtures.integerUpdates(N, LyingServer.M, 4);
      long[] w = SecAggFixtures.weights(N, 4);
      SimulationRandom random = SimulationRandom.fromSeed(8);
      for (int c = 0; c < N; c++) {
        clients.add(new SecAggClient(params, c, x[c], w[c], random, malicious ? ids.get(c) : null));
      }
      for (int c = 0; c < N; c++) {
        if (c == absent) {
          continue;
        }
        for (SecAggMessage m : clients.get(c).start()) {
          sent.add(m);
          party.add(c);
          pending.addAll(server.onMessage(c, m));
        }
      }
      for (int phase = 0; phase < stop; phase++) {
        if (pending.isEmpty()) {
          pending = server.onDeadline(); // the absent client never answers: close the phase without it
        }
        if (pending.isEmpty()) {
          break;
        }
        List<Outgoing> next = new ArrayList<>();
        for (Outgoing o : pending) {
          sent.add(o.message());
          party.add(o.to());
          for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
            sent.add(reply);
            party.add(o.to());
            next.addAll(server.onMessage(o.to(), reply));
          }
        }
        pending = next;
      }
    }
  }
}
