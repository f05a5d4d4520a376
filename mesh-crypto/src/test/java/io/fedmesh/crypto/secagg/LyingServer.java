package io.fedmesh.crypto.secagg;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggConfig;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A malicious-server round in which the test plays the server: the honest server engine runs the
 * phases the test does not attack, and the test takes over from any phase, sending each client
 * whatever it likes. Records every message each (honest) client sent and every refusal.
 */
final class LyingServer {
  static final int N = 8;
  static final int K = 4;
  static final int T = 3;
  static final int M = 12;

  final List<SigningKey> identities = new ArrayList<>();
  final SecAggParameters params;
  final float[][] x = SecAggFixtures.integerUpdates(N, M, 3);
  final long[] w = SecAggFixtures.weights(N, 3);
  final SecAggServer server;
  final List<SecAggClient> clients = new ArrayList<>();
  /** client -> every message it sent, in order. */
  final Map<Integer, List<SecAggMessage>> sent = new TreeMap<>();
  /** Messages clients refused (state unchanged). */
  final List<ProtocolViolation> refusedByClients = new ArrayList<>();

  LyingServer() {
    this(c -> c, 7);
  }

  /** @param change applied to the config before the round starts (it must stay in malicious-server mode) */
  LyingServer(UnaryOperator<SecAggConfig.Builder> change, long seed) {
    params = new SecAggParameters(change.apply(maliciousConfig(identities, 100)).build());
    server = new SecAggServer(params);
    SimulationRandom random = SimulationRandom.fromSeed(seed);
    for (int c = 0; c < N; c++) {
      clients.add(new SecAggClient(params, c, x[c], w[c], random, identities.get(c)));
    }
  }

  /** A malicious-server config of N clients whose node ids are those of fresh identity keys (added to {@code ids}). */
  static SecAggConfig.Builder maliciousConfig(List<SigningKey> ids, long seed) {
    SecAggConfig.Builder b = SecAggFixtures.malicious(SecAggFixtures.config(N, K, T, M).clearCohort());
    for (int c = 0; c < N; c++) {
      SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(seed + c));
      ids.add(key);
      b.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(key.verifyingKey().nodeId().toBytes())));
    }
    return b;
  }

  /**
   * Runs the round honestly until the server's next messages would start {@code phase}, and returns
   * them undelivered (the test may alter, withhold or replace them). Clients in {@code silent} stop
   * answering from then on.
   */
  List<Outgoing> runUntil(Phase phase, List<Integer> silent) {
    List<Outgoing> pending = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      for (SecAggMessage m : record(c, clients.get(c).start())) {
        pending.addAll(server.onMessage(c, m));
      }
    }
    while (phaseStartedBy(pending.get(0).message()) != phase) {
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : pending) {
        if (silent.contains(o.to())) {
          continue;
        }
        for (SecAggMessage reply : deliver(o.to(), o.message())) {
          next.addAll(server.onMessage(o.to(), reply));
        }
      }
      pending = next.isEmpty() ? server.onDeadline() : next;
    }
    return pending;
  }

  List<Outgoing> runUntil(Phase phase) {
    return runUntil(phase, List.of());
  }

  /** Delivers {@code message} to client {@code c}; returns (and records) its replies; a refusal gives none. */
  List<SecAggMessage> deliver(int c, SecAggMessage message) {
    try {
      return record(c, clients.get(c).onMessage(message));
    } catch (ProtocolViolation v) {
      refusedByClients.add(v);
      return List.of();
    }
  }

  SecAggMessage.Builder message() {
    return SecAggMessage.newBuilder().setRound(params.round());
  }

  /** How many shares of {@code owner}'s secret of {@code kind} the clients have revealed in all. */
  int revealed(int owner, SecretKind kind) {
    int count = 0;
    for (List<SecAggMessage> messages : sent.values()) {
      for (SecAggMessage m : messages) {
        for (RevealedShare share : m.getUnmaskResponse().getSharesList()) {
          count += share.getOwner() == owner && share.getKind() == kind ? 1 : 0;
        }
      }
    }
    return count;
  }

  /** The last message client {@code c} sent. */
  SecAggMessage lastSent(int c) {
    List<SecAggMessage> messages = sent.get(c);
    return messages.get(messages.size() - 1);
  }

  private List<SecAggMessage> record(int c, List<SecAggMessage> messages) {
    sent.computeIfAbsent(c, k -> new ArrayList<>()).addAll(messages);
    return messages;
  }

  static Phase phaseStartedBy(SecAggMessage m) {
    return switch (m.getBodyCase()) {
      case KEY_DIRECTORY -> Phase.FIX_GRAPH;
      case GRAPH_NONCES -> Phase.SHARE_KEYS;
      case SHARES_FOR_YOU -> Phase.MASKED_INPUT;
      case SURVIVOR_LIST -> Phase.CONSISTENCY_CHECK;
      case UNMASK_REQUEST -> Phase.UNMASKING;
      default -> throw new IllegalArgumentException(m.getBodyCase() + " is not a server message");
    };
  }
}
