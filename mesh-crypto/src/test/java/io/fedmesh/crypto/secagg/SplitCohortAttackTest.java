package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.ParameterFinder;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.GraphNonces;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggConfig;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.SharesForYou;
import io.fedmesh.proto.v1.SurvivorList;
import io.fedmesh.proto.v1.SurvivorListSignature;
import io.fedmesh.proto.v1.UnmaskRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The split-cohort attack (issue 12, item 1): a server that knows the neighbour graph forwards each
 * client only the shares of neighbours in its own arc of the ring, so clients mask within arcs, then
 * tries to unmask each arc's sum. Required: one round yields at most one sum; here, none.
 */
class SplitCohortAttackTest {

  /** The reviewer's case: n = 12, k = 4, t = 3, four arcs of three clients each, everyone listed as a survivor. */
  @Test
  void oneListOverArcMaskingIsRefusedByEveryClientAtACut() {
    Attack attack = new Attack(12, 4, 3, 1);
    attack.forwardSharesWithinArcs(3);
    attack.showEveryone(attack.listOfEveryone());

    assertThat(attack.unmaskAnswers()).isEmpty();
    assertThat(attack.sumsTheServerCanRebuild()).isZero();
    for (SecAggClient c : attack.clients) {
      assertThat(c.abortReason()).get().extracting(AbortReason::cause).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    }
    assertThat(attack.clients.get(0).abortReason().orElseThrow().message()).contains("never received its shares");
  }

  /** Each arc shown its own lists (the other arcs "never shared"): the clients at each cut lack t confirmations. */
  @Test
  void aListPerArcGetsNoArcUnmaskedWithoutColluders() {
    Attack attack = new Attack(12, 4, 3, 2);
    attack.forwardSharesWithinArcs(3);
    attack.showEachArcItsOwnList();

    assertThat(attack.sumsTheServerCanRebuild()).isZero();
  }

  /** n = 10 at 5% corrupt: the finder's k = 4, t = 3 (t = k/2 + 1), two arcs of five, which each masked alone. */
  @Test
  void atTheFindersSmallCohortParametersTwoArcsGiveNoSum() {
    ParameterFinder.Result kt = ParameterFinder.find(10, 0.1, 0.05, ParameterFinder.Adversary.MALICIOUS_SERVER);
    Attack attack = new Attack(10, kt.neighbours(), kt.threshold(), 6);
    attack.forwardSharesWithinArcs(5);
    attack.showEveryone(attack.listOfEveryone());
    assertThat(attack.unmaskAnswers()).isEmpty();
    assertThat(attack.sumsTheServerCanRebuild()).isZero();
  }

  /** Each half of the ring shown only its own half as survivors: fewer than the survivor minimum, refused. */
  @Test
  void twoListsOfHalfTheCohortAreBothRefused() {
    Attack attack = new Attack(12, 4, 3, 7);
    attack.forwardSharesWithinArcs(6);
    attack.showEachArcItsOwnList();
    assertThat(attack.signatures).isEmpty();
    assertThat(attack.clients.get(0).abortReason().orElseThrow().message()).contains("needs at least 7");
  }

  /** The same attack at parameters the finder derives against a lying server: arcs larger than t, interiors deep. */
  @Test
  void atFinderDerivedParametersTheServerGetsNoArcSum() {
    ParameterFinder.Result kt = ParameterFinder.find(40, 0.1, 0.05, ParameterFinder.Adversary.MALICIOUS_SERVER);
    Attack attack = new Attack(40, kt.neighbours(), kt.threshold(), 3);
    attack.forwardSharesWithinArcs(20);
    attack.showEveryone(attack.listOfEveryone());
    assertThat(attack.sumsTheServerCanRebuild()).isZero();

    Attack perArc = new Attack(40, kt.neighbours(), kt.threshold(), 4);
    perArc.forwardSharesWithinArcs(20);
    perArc.showEachArcItsOwnList();
    assertThat(perArc.sumsTheServerCanRebuild()).isZero();
  }

  /** Without the attack the same harness unmasks exactly one sum: the test can tell success from failure. */
  @Test
  void theHonestForwardingGivesExactlyOneSum() {
    Attack honest = new Attack(12, 4, 3, 5);
    honest.forwardSharesWithinArcs(12); // one arc: the whole ring
    honest.showEveryone(honest.listOfEveryone());
    assertThat(honest.sumsTheServerCanRebuild()).isEqualTo(1);
  }

  /** A malicious-server round of n clients in which the test plays the server from share forwarding on. */
  private static final class Attack {
    final int n;
    final int t;
    final SecAggParameters params;
    final List<SecAggClient> clients = new ArrayList<>();
    final Map<Integer, SecAggMessage> shareKeys = new TreeMap<>();
    final Map<Integer, SurvivorListSignature> signatures = new TreeMap<>();
    final Map<Integer, UnmaskRequest> shown = new TreeMap<>();
    final Map<Integer, SecAggMessage> answers = new TreeMap<>();
    final NeighbourGraph graph;
    /** The arc each client is in, by client; and each client's masking neighbours (from its arc). */
    final Map<Integer, Integer> arcOf = new HashMap<>();
    int arcs;

    Attack(int n, int k, int t, long seed) {
      this.n = n;
      this.t = t;
      List<SigningKey> ids = new ArrayList<>();
      SecAggConfig.Builder config = SecAggFixtures.malicious(SecAggFixtures.config(n, k, t, 6).clearCohort());
      for (int c = 0; c < n; c++) {
        SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(seed * 1000 + c));
        ids.add(key);
        config.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(key.verifyingKey().nodeId().toBytes())));
      }
      params = new SecAggParameters(config.build());
      SecAggServer server = new SecAggServer(params);
      float[][] x = SecAggFixtures.integerUpdates(n, 6, seed);
      long[] w = SecAggFixtures.weights(n, seed);
      SimulationRandom random = SimulationRandom.fromSeed(seed);
      for (int c = 0; c < n; c++) {
        clients.add(new SecAggClient(params, c, x[c], w[c], random, ids.get(c)));
      }
      // The honest server engine runs advertisement and graph fixing; the test keeps what fixes the graph.
      List<Outgoing> pending = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        for (SecAggMessage m : clients.get(c).start()) {
          pending.addAll(server.onMessage(c, m));
        }
      }
      KeyDirectory directory = pending.get(0).message().getKeyDirectory();
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : pending) {
        for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
          next.addAll(server.onMessage(o.to(), reply));
        }
      }
      GraphNonces nonces = next.get(0).message().getGraphNonces();
      for (Outgoing o : next) {
        for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
          shareKeys.put(o.to(), reply);
        }
      }
      graph = NeighbourGraph.forRound(params, directory, nonces);
    }

    /** Cuts the ring into arcs of {@code size} consecutive positions and forwards shares only within an arc. */
    void forwardSharesWithinArcs(int size) {
      int[] ring = graph.ringOrder();
      for (int p = 0; p < ring.length; p++) {
        arcOf.put(ring[p], p / size);
      }
      arcs = (ring.length + size - 1) / size;
      for (int c = 0; c < n; c++) {
        SharesForYou.Builder inbox = SharesForYou.newBuilder();
        for (SecAggMessage sent : shareKeys.values()) {
          for (EncryptedShares share : sent.getShareKeys().getSharesList()) {
            if (share.getTo() == c && arcOf.get(share.getFrom()).equals(arcOf.get(c))) {
              inbox.addShares(share);
            }
          }
        }
        deliver(c, message().setSharesForYou(inbox).build()); // masked input chunks: kept by nobody
      }
    }

    UnmaskRequest listOfEveryone() {
      UnmaskRequest.Builder list = UnmaskRequest.newBuilder();
      for (int c = 0; c < n; c++) {
        list.addSurvivors(c);
      }
      return list.build();
    }

    void showEveryone(UnmaskRequest lists) {
      Map<Integer, UnmaskRequest> byClient = new TreeMap<>();
      for (int c = 0; c < n; c++) {
        byClient.put(c, lists);
      }
      show(byClient);
    }

    void showEachArcItsOwnList() {
      Map<Integer, UnmaskRequest> byClient = new TreeMap<>();
      for (int c = 0; c < n; c++) {
        UnmaskRequest.Builder list = UnmaskRequest.newBuilder();
        for (int j = 0; j < n; j++) {
          if (arcOf.get(j).equals(arcOf.get(c))) {
            list.addSurvivors(j);
          }
        }
        byClient.put(c, list.build());
      }
      show(byClient);
    }

    /** Shows each client its lists, collects signatures, then forwards each client every neighbour signature it has. */
    private void show(Map<Integer, UnmaskRequest> lists) {
      shown.putAll(lists);
      lists.forEach((c, l) -> {
        for (SecAggMessage reply : deliver(c, message().setSurvivorList(SurvivorList.newBuilder()
            .addAllSurvivors(l.getSurvivorsList()).addAllDropped(l.getDroppedList())).build())) {
          signatures.put(c, reply.getSurvivorListSignature());
        }
      });
      lists.forEach((c, l) -> {
        UnmaskRequest.Builder request = l.toBuilder();
        for (int j : graph.neighbours(c)) {
          if (signatures.containsKey(j)) {
            request.addSignatures(signatures.get(j));
          }
        }
        for (SecAggMessage reply : deliver(c, message().setUnmaskRequest(request).build())) {
          answers.put(c, reply);
        }
      });
    }

    List<SecAggMessage> unmaskAnswers() {
      return List.copyOf(answers.values());
    }

    /**
     * How many arcs' sums the server could unmask from what it was given: an arc's members masked only
     * with each other, so its sum needs every member's self-mask seed, each from t revealed shares.
     */
    int sumsTheServerCanRebuild() {
      Map<Integer, Integer> seedShares = new HashMap<>();
      for (SecAggMessage answer : answers.values()) {
        for (RevealedShare share : answer.getUnmaskResponse().getSharesList()) {
          if (share.getKind() == SecretKind.SECRET_KIND_SELF_MASK_SEED) {
            seedShares.merge(share.getOwner(), 1, Integer::sum);
          }
        }
      }
      int sums = 0;
      for (int arc = 0; arc < arcs; arc++) {
        boolean all = true;
        for (int c = 0; c < n; c++) {
          if (arcOf.get(c) == arc && seedShares.getOrDefault(c, 0) < t) {
            all = false;
          }
        }
        sums += all ? 1 : 0;
      }
      return sums;
    }

    private List<SecAggMessage> deliver(int c, SecAggMessage m) {
      try {
        return clients.get(c).onMessage(m);
      } catch (ProtocolViolation refused) {
        return List.of();
      }
    }

    private SecAggMessage.Builder message() {
      return SecAggMessage.newBuilder().setRound(params.round());
    }
  }
}
