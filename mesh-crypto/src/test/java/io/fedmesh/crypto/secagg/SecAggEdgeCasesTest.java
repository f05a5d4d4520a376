package io.fedmesh.crypto.secagg;

import static io.fedmesh.crypto.secagg.SecAggFixtures.integerUpdates;
import static io.fedmesh.crypto.secagg.SecAggFixtures.params;
import static io.fedmesh.crypto.secagg.SecAggFixtures.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.InProcessRound.Dropouts;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;
import io.fedmesh.crypto.shamir.ShamirSecretSharing;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.MaskedInputChunk;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Dropout patterns that depend on who neighbours whom, and hostile values found in review. */
class SecAggEdgeCasesTest {

  /** The neighbour graph InProcessRound.run(params, x, w, dropouts, fromSeed(seed)) will draw, if nobody drops in phase 0. */
  static NeighbourGraph graphOf(SecAggParameters params, float[][] x, long[] w, long seed) {
    SecAggServer server = new SecAggServer(params);
    SimulationRandom random = SimulationRandom.fromSeed(seed);
    List<SecAggClient> clients = new ArrayList<>();
    for (int c = 0; c < params.clients(); c++) {
      clients.add(new SecAggClient(params, c, x[c], w[c], random));
    }
    List<Outgoing> out = new ArrayList<>();
    for (int c = 0; c < params.clients(); c++) {
      out.addAll(server.onMessage(c, clients.get(c).start().get(0)));
    }
    return NeighbourGraph.forRound(params, out.get(0).message().getKeyDirectory(), null);
  }

  @Test
  void aDroppedClientThatNoSurvivorMaskedWithIsNotNeededForUnmasking() {
    int n = 6;
    SecAggParameters params = params(n, 2, 2, 8);
    float[][] x = integerUpdates(n, 8, 42);
    long[] w = weights(n, 42);
    int[] around0 = graphOf(params, x, w, 1).neighbours(0);
    // Client 0's only neighbours leave before sharing: client 0 then has nobody to mask with and stops.
    Map<Integer, Phase> drops = Map.of(around0[0], Phase.SHARE_KEYS, around0[1], Phase.SHARE_KEYS);

    var outcome = InProcessRound.run(params, x, w, new Dropouts(drops, Set.of()), SimulationRandom.fromSeed(1));

    assertThat(outcome.clients().get(0).abortReason().orElseThrow().message()).contains("no pairwise mask");
    var result = outcome.server().result().orElseThrow(); // the other three complete without client 0's shares
    assertThat(result.survivors()).hasSize(3).doesNotContain(0);
    assertThat(result.weightedSum()).containsExactly(
        SecAggRoundTest.plaintextSum(x, w, java.util.Arrays.stream(result.survivors()).boxed().collect(java.util.stream.Collectors.toSet()), 8));
  }

  @Test
  void survivorsSplitIntoGroupsAbortRatherThanRevealPartialSums() {
    int n = 8;
    SecAggParameters params = params(n, 2, 2, 8);
    float[][] x = integerUpdates(n, 8, 7);
    long[] w = weights(n, 7);
    NeighbourGraph graph = graphOf(params, x, w, 3);
    // On a ring of 8 with one neighbour each side, two clients four apart cut it into two arcs of 3.
    int a = 0;
    int previous = a;
    int b = graph.neighbours(a)[0];
    for (int step = 1; step < 4; step++) { // walk on round the ring, away from where we came from
      int from = previous;
      int next = java.util.Arrays.stream(graph.neighbours(b)).filter(c -> c != from).findFirst().orElseThrow();
      previous = b;
      b = next;
    }
    Map<Integer, Phase> drops = Map.of(a, Phase.MASKED_INPUT, b, Phase.MASKED_INPUT);

    var outcome = InProcessRound.run(params, x, w, new Dropouts(drops, Set.of()), SimulationRandom.fromSeed(3));

    assertThat(outcome.server().result()).isEmpty();
    assertThat(outcome.server().abortReason().orElseThrow().toString())
        .isEqualTo("aborted in MASKED_INPUT: the 6 survivors are not all joined by pairwise masks: "
            + "unmasking would reveal partial sums");
  }

  @Test
  void lowOrderKeysAreRefusedByTheServerAndByTheirNeighbours() {
    SecAggParameters params = params(3, 2, 2, 4);
    float[][] x = integerUpdates(3, 4, 1);
    SecAggServer server = new SecAggServer(params);
    SecAggClient client = new SecAggClient(params, 0, x[0], 1, SimulationRandom.fromSeed(1));
    AdvertiseKeys mine = client.start().get(0).getAdvertiseKeys();
    AdvertiseKeys zero = AdvertiseKeys.newBuilder().setClient(1)
        .setShareKey(ByteString.copyFrom(new byte[32])).setMaskKey(ByteString.copyFrom(new byte[32]))
        .setSeedCommitment(ByteString.copyFrom(new byte[32])).build();

    assertThatThrownBy(() -> server.onMessage(1, SecAggMessage.newBuilder().setRound(7).setAdvertiseKeys(zero).build()))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> assertThat(v.code()).isEqualTo(Code.INVALID_KEY));
    assertThatThrownBy(() -> client.onMessage(SecAggMessage.newBuilder().setRound(7)
            .setKeyDirectory(KeyDirectory.newBuilder().addKeys(mine).addKeys(zero).addKeys(zero.toBuilder().setClient(2))).build()))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> {
          assertThat(v.code()).isEqualTo(Code.INVALID_KEY);
          assertThat(v.offender()).isIn(1, 2);
        });
    assertThat(client.phase()).isEqualTo(Phase.SHARE_KEYS);
  }

  @Test
  void aChunkIndexAbove2To31IsRefusedNotACrash() {
    int n = 3;
    SecAggParameters params = params(n, 2, 2, 8);
    MaskedInputTap tap = MaskedInputTap.of(params, integerUpdates(n, 8, 2), weights(n, 2), 0, SimulationRandom.fromSeed(2));
    // The tap has delivered every input; a late chunk with index 0xFFFFFFFF must still be refused cleanly.
    SecAggServer server = new SecAggServer(params);
    assertThatThrownBy(() -> server.onMessage(0, SecAggMessage.newBuilder().setRound(7)
            .setMaskedInputChunk(MaskedInputChunk.newBuilder().setClient(0).setIndex(-1).setCount(1)).build()))
        .isInstanceOf(ProtocolViolation.class);
    assertThat(tap.server().phase()).isEqualTo(Phase.UNMASKING);
  }

  /**
   * A revealed share outside the field, or in the field but altered, is refused on its own (the rest
   * of that answer counts) and recorded against the client that revealed it: every share it holds
   * was range-checked on arrival and opens the commitment its dealer sent with it, so only the
   * revealer can have changed it. The sum is exact from the spare shares.
   */
  @Test
  void aRevealedShareOutsideTheFieldOrAlteredIsRefusedAloneAndBlamedOnItsRevealer() {
    for (boolean outsideTheField : new boolean[] {true, false}) {
      int n = 6;
      SecAggParameters params = params(n, 4, 2, 8); // each secret has 5 shareholders, 2 suffice: spares exist
      float[][] x = integerUpdates(n, 8, 5);
      long[] w = weights(n, 5);
      MaskedInputTap tap = MaskedInputTap.of(params, x, w, 0, SimulationRandom.fromSeed(5));
      List<Map.Entry<Integer, SecAggMessage>> answers = new ArrayList<>();
      for (Outgoing o : tap.pending()) {
        tap.clients().get(o.to()).onMessage(o.message()).forEach(r -> answers.add(Map.entry(o.to(), r)));
      }
      SecAggMessage first = answers.get(0).getValue();
      int from = answers.get(0).getKey();
      int bad = first.getUnmaskResponse().getShares(0).getOwner() == from ? 1 : 0; // someone else's share
      var share = first.getUnmaskResponse().getShares(bad);
      long value = outsideTheField ? ShamirSecretSharing.PRIME : (share.getValues(0) + 1) % ShamirSecretSharing.PRIME;

      tap.server().onMessage(from, first.toBuilder().setUnmaskResponse(first.getUnmaskResponse().toBuilder()
          .setShares(bad, share.toBuilder().setValues(0, value))).build());
      for (var answer : answers.subList(1, answers.size())) {
        tap.server().onMessage(answer.getKey(), answer.getValue());
      }

      var all = java.util.stream.IntStream.range(0, n).boxed().collect(java.util.stream.Collectors.toSet());
      assertThat(tap.server().result().orElseThrow().weightedSum()).containsExactly(SecAggRoundTest.plaintextSum(x, w, all, 8));
      assertThat(tap.server().violations()).singleElement().satisfies(v -> {
        assertThat(v.code()).isEqualTo(Code.INCONSISTENT);
        assertThat(v.offender()).isEqualTo(from);
        assertThat(v.getMessage()).contains("revealed a share of client " + share.getOwner())
            .contains(outsideTheField ? "outside the field" : "does not open the commitment");
      });
    }
  }

  /** With t = k + 1 every share is needed: one altered by its holder is refused, and the round aborts naming too few shares. */
  @Test
  void withExactlyTSharesAnAlteredOneIsRefusedAndTheRoundAbortsWithoutAWrongSum() {
    int n = 3;
    SecAggParameters params = params(n, 2, 3, 8); // t = k + 1: every share is needed, none spare
    float[][] x = integerUpdates(n, 8, 6);
    MaskedInputTap tap = MaskedInputTap.of(params, x, weights(n, 6), 0, SimulationRandom.fromSeed(6));
    List<Map.Entry<Integer, SecAggMessage>> answers = new ArrayList<>();
    for (Outgoing o : tap.pending()) {
      tap.clients().get(o.to()).onMessage(o.message()).forEach(r -> answers.add(Map.entry(o.to(), r)));
    }
    SecAggMessage first = answers.get(0).getValue();
    int from = answers.get(0).getKey();
    int bad = first.getUnmaskResponse().getShares(0).getOwner() == from ? 1 : 0;
    var share = first.getUnmaskResponse().getShares(bad);
    long altered = (share.getValues(3) + 12345) % ShamirSecretSharing.PRIME;
    tap.server().onMessage(from, first.toBuilder().setUnmaskResponse(first.getUnmaskResponse().toBuilder()
        .setShares(bad, share.toBuilder().setValues(3, altered))).build());
    for (var answer : answers.subList(1, answers.size())) {
      tap.server().onMessage(answer.getKey(), answer.getValue());
    }

    assertThat(tap.server().result()).isEmpty(); // never a wrong sum
    assertThat(tap.server().abortReason().orElseThrow().message())
        .contains("only 2 shares of the self-mask seed of survivor " + share.getOwner());
    assertThat(tap.server().violations()).extracting(ProtocolViolation::offender).containsExactly(from);
  }

  @Test
  void consistencyOfASharePointIsCheckedAgainstAGoodBasis() {
    SimulationRandom random = SimulationRandom.fromSeed(9);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    var shares = ShamirSecretSharing.split(secret, 3, 5, random);
    long[] bent = shares.get(4).values();
    bent[8] = (bent[8] + 1) % ShamirSecretSharing.PRIME;

    assertThat(ShamirSecretSharing.consistent(shares.subList(0, 3), 3, shares.get(3))).isTrue();
    assertThat(ShamirSecretSharing.consistent(shares.subList(0, 3), 3,
        new io.fedmesh.crypto.shamir.ShamirShare(shares.get(4).index(), bent))).isFalse();
  }

  @Test
  void theMeterTracksWhatTheServerHolds() {
    WorkMeter meter = new WorkMeter();
    meter.held(100);
    meter.held(50);
    meter.held(-120);
    assertThat(meter.peakHeldBytes()).isEqualTo(150);
  }
}
