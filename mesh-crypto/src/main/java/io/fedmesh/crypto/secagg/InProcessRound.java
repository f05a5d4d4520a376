package io.fedmesh.crypto.secagg;

import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.SecAggMessage;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

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
   * @param partialUpload clients that send only the first half of their masked-input chunks (rounded
   *     down: none of a single chunk), then stop
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

  /**
   * Where the time goes, per phase, for clients (all together) and the server. The clock is the
   * caller's (a port: nothing in mesh-crypto reads a clock); a thread CPU clock gives CPU time.
   */
  public static final class Timing {
    private final LongSupplier clock;
    private final LongSupplier wallClock;
    private final AtomicLongArray client = new AtomicLongArray(Phase.values().length);
    private final AtomicLongArray server = new AtomicLongArray(Phase.values().length);
    private final AtomicLongArray wall = new AtomicLongArray(Phase.values().length);

    /**
     * @param clock the clock work is measured with (per thread: the CPU time of the calling thread)
     * @param wallClock elapsed time, for each phase's wall time
     */
    public Timing(LongSupplier clock, LongSupplier wallClock) {
      this.clock = clock;
      this.wallClock = wallClock;
    }

    public Timing(LongSupplier clock) {
      this(clock, () -> 0);
    }

    public static Timing none() {
      return new Timing(() -> 0);
    }

    /** Elapsed time while the round was in {@code phase}. */
    public long wallNanos(Phase phase) {
      return wall.get(phase.ordinal());
    }

    public long clientNanos(Phase phase) {
      return client.get(phase.ordinal());
    }

    public long serverNanos(Phase phase) {
      return server.get(phase.ordinal());
    }
  }

  /** The engines after the round, to read results, abort reasons and per-client state from. */
  public record Outcome(SecAggServer server, List<SecAggClient> clients) {}

  private InProcessRound() {}

  /** One round, clients served one after another, untimed. */
  public static Outcome run(SecAggParameters params, float[][] updates, long[] weights, Dropouts dropouts,
      SecureRandom random) {
    return run(params, c -> updates[c], weights, dropouts, c -> random, c -> null, Timing.none(), 1);
  }

  /**
   * One round.
   *
   * @param updates client -> its update (the same array may serve several clients: engines never write it)
   * @param randoms client -> its generator
   * @param identities client -> its identity key (malicious-server rounds only; else null)
   * @param parallelism how many clients handle their messages at the same time
   */
  public static Outcome run(SecAggParameters params, IntFunction<float[]> updates, long[] weights, Dropouts dropouts,
      IntFunction<SecureRandom> randoms, IntFunction<SigningKey> identities, Timing timing, int parallelism) {
    List<SecAggClient> clients = new ArrayList<>();
    for (int c = 0; c < params.clients(); c++) {
      clients.add(new SecAggClient(params, c, updates.apply(c), weights[c], randoms.apply(c), identities.apply(c)));
    }
    return run(params, clients, dropouts, timing, parallelism);
  }

  /**
   * One round of clients already made (integer-mode rounds make theirs from encodings).
   *
   * @param clients client i of the cohort at index i
   */
  public static Outcome run(SecAggParameters params, List<SecAggClient> clients, Dropouts dropouts, Timing timing,
      int parallelism) {
    if (clients.size() != params.clients()) {
      throw new IllegalArgumentException(clients.size() + " clients for a cohort of " + params.clients());
    }
    SecAggServer server = new SecAggServer(params);
    List<Outgoing> toClients = Collections.synchronizedList(new ArrayList<>());
    long advertiseStart = timing.wallClock.getAsLong();
    for (int c = 0; c < params.clients(); c++) {
      if (dropouts.sends(c, Phase.ADVERTISE_KEYS)) {
        long start = timing.clock.getAsLong();
        List<SecAggMessage> advert = clients.get(c).start();
        timing.client.addAndGet(Phase.ADVERTISE_KEYS.ordinal(), timing.clock.getAsLong() - start);
        for (SecAggMessage m : advert) {
          toClients.addAll(toServer(server, c, m, timing));
        }
      }
    }
    timing.wall.addAndGet(Phase.ADVERTISE_KEYS.ordinal(), timing.wallClock.getAsLong() - advertiseStart);
    ForkJoinPool pool = parallelism > 1 ? new ForkJoinPool(parallelism) : null;
    try {
      while (server.result().isEmpty() && server.abortReason().isEmpty()) {
        if (toClients.isEmpty()) {
          Phase phase = server.phase();
          long wallStart = timing.wallClock.getAsLong();
          long start = timing.clock.getAsLong();
          toClients = Collections.synchronizedList(new ArrayList<>(server.onDeadline()));
          timing.server.addAndGet(phase.ordinal(), timing.clock.getAsLong() - start);
          timing.wall.addAndGet(phase.ordinal(), timing.wallClock.getAsLong() - wallStart);
          continue;
        }
        long wallStart = timing.wallClock.getAsLong();
        Phase batchPhase = phaseOfRequest(params, toClients.get(0).message());
        List<Outgoing> next = Collections.synchronizedList(new ArrayList<>());
        List<Outgoing> batch = toClients;
        Runnable deliver = () -> (pool == null ? batch.stream() : batch.parallelStream())
            .forEach(o -> next.addAll(deliver(params, o, clients.get(o.to()), server, dropouts, timing)));
        if (pool == null) {
          deliver.run();
        } else {
          pool.submit(deliver).get();
        }
        timing.wall.addAndGet(batchPhase.ordinal(), timing.wallClock.getAsLong() - wallStart);
        toClients = next;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } finally {
      if (pool != null) {
        pool.shutdown();
      }
    }
    return new Outcome(server, clients);
  }

  private static List<Outgoing> deliver(SecAggParameters params, Outgoing o, SecAggClient client, SecAggServer server,
      Dropouts dropouts, Timing timing) {
    Phase work = phaseOfRequest(params, o.message());
    long start = timing.clock.getAsLong();
    List<SecAggMessage> replies = client.onMessage(o.message());
    timing.client.addAndGet(work.ordinal(), timing.clock.getAsLong() - start);
    if (replies.isEmpty() || !dropouts.sends(o.to(), work)) {
      return List.of();
    }
    int send = dropouts.partialUpload().contains(o.to()) && work == Phase.MASKED_INPUT
        ? replies.size() / 2 : replies.size();
    List<Outgoing> out = new ArrayList<>();
    for (SecAggMessage reply : replies.subList(0, send)) {
      out.addAll(toServer(server, o.to(), reply, timing));
    }
    return out;
  }

  private static List<Outgoing> toServer(SecAggServer server, int from, SecAggMessage m, Timing timing) {
    Phase phase = phaseOfReply(m);
    long start = timing.clock.getAsLong();
    List<Outgoing> out = server.onMessage(from, m);
    timing.server.addAndGet(phase.ordinal(), timing.clock.getAsLong() - start);
    return out;
  }

  /** The phase whose client work a server message starts. */
  private static Phase phaseOfRequest(SecAggParameters params, SecAggMessage m) {
    return switch (m.getBodyCase()) {
      case KEY_DIRECTORY -> params.maliciousServer() ? Phase.FIX_GRAPH : Phase.SHARE_KEYS;
      case GRAPH_NONCES -> Phase.SHARE_KEYS;
      case SURVIVOR_LIST -> Phase.CONSISTENCY_CHECK;
      case SHARES_FOR_YOU -> Phase.MASKED_INPUT;
      case UNMASK_REQUEST -> Phase.UNMASKING;
      default -> throw new IllegalStateException("the server does not send " + m.getBodyCase());
    };
  }

  private static Phase phaseOfReply(SecAggMessage m) {
    return switch (m.getBodyCase()) {
      case ADVERTISE_KEYS -> Phase.ADVERTISE_KEYS;
      case GRAPH_NONCE -> Phase.FIX_GRAPH;
      case SURVIVOR_LIST_SIGNATURE -> Phase.CONSISTENCY_CHECK;
      case SHARE_KEYS -> Phase.SHARE_KEYS;
      case MASKED_INPUT_CHUNK, SHARE_COMPLAINT -> Phase.MASKED_INPUT;
      case UNMASK_RESPONSE -> Phase.UNMASKING;
      default -> throw new IllegalStateException("clients do not send " + m.getBodyCase());
    };
  }
}
