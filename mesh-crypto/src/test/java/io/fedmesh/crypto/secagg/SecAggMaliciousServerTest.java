package io.fedmesh.crypto.secagg;

import static io.fedmesh.crypto.secagg.LyingServer.N;
import static io.fedmesh.crypto.secagg.LyingServer.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Advertisements;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.GraphNonce;
import io.fedmesh.proto.v1.GraphNonces;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.SecAggConfig;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.SurvivorList;
import io.fedmesh.proto.v1.SurvivorListSignature;
import io.fedmesh.proto.v1.UnmaskRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Malicious-server mode against a server that lies (the adversarial cases): each lie is
 * detected, and the honest clients reveal nothing the protocol does not allow.
 */
class SecAggMaliciousServerTest {
  private static final int VICTIM = 0;

  @Test
  void anHonestRoundCompletesWithTheExactSumDespiteDropouts() {
    List<SigningKey> ids = new ArrayList<>();
    SecAggParameters params = new SecAggParameters(LyingServer.maliciousConfig(ids, 100).build());
    float[][] x = SecAggFixtures.integerUpdates(N, LyingServer.M, 3);
    long[] w = SecAggFixtures.weights(N, 3);
    var dropouts = new InProcessRound.Dropouts(Map.of(2, Phase.MASKED_INPUT, 6, Phase.UNMASKING), Set.of());

    var outcome = InProcessRound.run(params, c -> x[c], w, dropouts, c -> SimulationRandom.fromSeed(c), ids::get,
        InProcessRound.Timing.none(), 1);

    Set<Integer> survivors = IntStream.range(0, N).filter(c -> c != 2).boxed().collect(Collectors.toSet());
    assertThat(outcome.server().abortReason()).isEmpty();
    assertThat(outcome.server().result().orElseThrow().weightedSum())
        .containsExactly(SecAggRoundTest.plaintextSum(x, w, survivors, LyingServer.M));
    assertThat(outcome.server().violations()).isEmpty();
  }

  @Test
  void clientsNeedAnIdentityKeyExactlyInMaliciousServerRounds() {
    LyingServer round = new LyingServer();
    assertThatThrownBy(() -> new SecAggClient(round.params, 1, round.x[1], 1, SimulationRandom.fromSeed(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs the client's identity key");
    assertThatThrownBy(() -> new SecAggClient(round.params, 2, round.x[2], 1, SimulationRandom.fromSeed(1), round.identities.get(3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cohort[2]");
    SecAggParameters plain = SecAggFixtures.params(N, 4, 3, LyingServer.M);
    assertThatThrownBy(() -> new SecAggClient(plain, 1, round.x[1], 1, SimulationRandom.fromSeed(1), round.identities.get(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only in malicious-server rounds");
  }

  // ---- Key substitution: the directory is altered for the victim only.

  /** Fixes the graph with the victim's directory passed through {@code change}; returns the victim's abort reason. */
  private static AbortReason victimSeesDirectory(LyingServer round, UnaryOperator<AdvertiseKeys> change) {
    return victimSeesDirectory(round, change, UnaryOperator.identity());
  }

  /** The same, with the nonces the victim is then sent passed through {@code changeNonces}. */
  private static AbortReason victimSeesDirectory(LyingServer round, UnaryOperator<AdvertiseKeys> change,
      UnaryOperator<GraphNonces> changeNonces) {
    List<Outgoing> directories = round.runUntil(Phase.FIX_GRAPH);
    List<Outgoing> nonces = new ArrayList<>();
    for (Outgoing o : directories) {
      SecAggMessage message = o.message();
      if (o.to() == VICTIM) {
        KeyDirectory.Builder altered = KeyDirectory.newBuilder();
        message.getKeyDirectory().getKeysList()
            .forEach(ad -> altered.addKeys(ad.getClient() == VICTIM ? ad : change.apply(ad)));
        message = round.message().setKeyDirectory(altered).build();
      }
      for (SecAggMessage reply : round.deliver(o.to(), message)) {
        nonces.addAll(round.server.onMessage(o.to(), reply));
      }
    }
    assertThat(nonces).hasSize(N);
    GraphNonces shown = changeNonces.apply(nonces.get(VICTIM).message().getGraphNonces());
    assertThat(round.deliver(VICTIM, round.message().setGraphNonces(shown).build())).isEmpty();
    return round.clients.get(VICTIM).abortReason().orElseThrow();
  }

  @Test
  void aSubstitutedMaskKeyAbortsTheRoundForTheClientThatSeesIt() {
    byte[] attackers = X25519.generate(SimulationRandom.fromSeed(66)).publicKey();

    AbortReason reason = victimSeesDirectory(new LyingServer(),
        ad -> ad.toBuilder().setMaskKey(ByteString.copyFrom(attackers)).build());

    assertThat(reason.phase()).isEqualTo(Phase.SHARE_KEYS);
    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.KEY_SUBSTITUTION);
    assertThat(reason.message()).contains("cannot be trusted: BAD_SIGNATURE");
  }

  @Test
  void anUnsignedOrForeignAdvertisementIsASubstitutionToo() {
    assertThat(victimSeesDirectory(new LyingServer(), ad -> ad.toBuilder().clearSignature().clearIdentityKey().build())
        .message()).contains("UNSIGNED");
    // Re-signed by another identity: a valid signature, but not by the key the cohort lists for that client.
    LyingServer round = new LyingServer();
    SigningKey stranger = SigningKey.generate(SimulationRandom.fromSeed(77));
    AbortReason reason = victimSeesDirectory(round, ad -> Advertisements.sign(ad.toBuilder(), stranger, round.params));
    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.KEY_SUBSTITUTION);
    assertThat(reason.message()).contains("IDENTITY_MISMATCH");
  }

  @Test
  void neighboursThatJoinedOtherParametersAbortTheRound() {
    LyingServer round = new LyingServer();
    // The server told everyone but the victim another clipping range (so their updates decode differently).
    SecAggParameters other = new SecAggParameters(round.params.config().toBuilder().setClip(1.0).build());

    AbortReason reason = victimSeesDirectory(round,
        ad -> Advertisements.sign(ad.toBuilder(), round.identities.get(ad.getClient()), other));

    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.PARAMETER_MISMATCH);
  }

  @Test
  void theServerRefusesUnsignedAndBadlySignedAdvertisements() {
    LyingServer round = new LyingServer();
    SecAggMessage advert = round.clients.get(1).start().get(0);
    SecAggMessage forged = advert.toBuilder().setAdvertiseKeys(advert.getAdvertiseKeys().toBuilder()
        .setShareKey(ByteString.copyFrom(X25519.generate(SimulationRandom.fromSeed(5)).publicKey()))).build();
    SecAggMessage unsigned = advert.toBuilder().setAdvertiseKeys(advert.getAdvertiseKeys().toBuilder()
        .clearSignature().clearIdentityKey()).build();

    assertThatThrownBy(() -> round.server.onMessage(1, forged)).hasMessageContaining("BAD_SIGNATURE");
    assertThatThrownBy(() -> round.server.onMessage(1, unsigned)).hasMessageContaining("UNSIGNED");
    round.server.onMessage(1, advert);
  }

  // ---- A chosen graph: the server tries to fix the ring order itself.

  /** The graph nonces the honest server would send, after every client revealed; the victim's delivered as {@code change} makes them. */
  private static AbortReason victimSeesNonces(LyingServer round, UnaryOperator<GraphNonces> change) {
    List<Outgoing> nonces = round.runUntil(Phase.SHARE_KEYS);
    GraphNonces altered = change.apply(nonces.get(VICTIM).message().getGraphNonces());
    assertThat(round.deliver(VICTIM, round.message().setGraphNonces(altered).build())).isEmpty();
    return round.clients.get(VICTIM).abortReason().orElseThrow();
  }

  @Test
  void aNonceThatDoesNotOpenItsCommitmentOrAMissingOneAbortsTheRound() {
    byte[] chosen = new byte[32];
    chosen[0] = 42;
    AbortReason swapped = victimSeesNonces(new LyingServer(), n -> n.toBuilder()
        .setNonces(3, n.getNonces(3).toBuilder().setNonce(ByteString.copyFrom(chosen))).build());
    assertThat(swapped.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    assertThat(swapped.message()).contains("client 3's graph nonce does not open its commitment");

    AbortReason missing = victimSeesNonces(new LyingServer(), n -> n.toBuilder().removeNonces(5).build());
    assertThat(missing.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    assertThat(missing.message()).contains("7 graph nonces for a directory of 8 clients");
  }

  /**
   * The attack a graph over the directory alone allowed: show the victim a directory of itself and t
   * accomplices, so that the graph is complete and every one of its shareholders is corrupt. The graph
   * spans the whole cohort whatever the directory, so the accomplices are the victim's neighbours only
   * as often as chance makes them (here 4 of 35 times: all 3 among its 4 neighbours out of 7).
   */
  @Test
  void aSmallerDirectoryDoesNotSurroundTheVictimWithAccomplices() {
    Set<Integer> shown = Set.of(VICTIM, 1, 2, 3);
    int surrounded = 0;
    for (long seed = 0; seed < 20; seed++) {
      LyingServer round = new LyingServer(c -> c, seed);
      List<Outgoing> directories = round.runUntil(Phase.FIX_GRAPH);
      KeyDirectory.Builder smaller = KeyDirectory.newBuilder();
      directories.get(VICTIM).message().getKeyDirectory().getKeysList().stream()
          .filter(ad -> shown.contains(ad.getClient())).forEach(smaller::addKeys);
      List<Outgoing> nonces = new ArrayList<>();
      for (Outgoing o : directories) {
        SecAggMessage message = o.to() == VICTIM ? round.message().setKeyDirectory(smaller).build() : o.message();
        for (SecAggMessage reply : round.deliver(o.to(), message)) {
          nonces.addAll(round.server.onMessage(o.to(), reply));
        }
      }
      GraphNonces.Builder theirs = GraphNonces.newBuilder();
      nonces.get(VICTIM).message().getGraphNonces().getNoncesList().stream()
          .filter(n -> shown.contains(n.getClient())).forEach(theirs::addNonces);
      List<SecAggMessage> reply = round.deliver(VICTIM, round.message().setGraphNonces(theirs).build());

      NeighbourGraph graph = NeighbourGraph.forRound(round.params, smaller.build(), theirs.build());
      assertThat(graph.size()).isEqualTo(N);
      Set<Integer> expected = IntStream.of(graph.neighbours(VICTIM)).filter(shown::contains).boxed().collect(Collectors.toSet());
      Set<Integer> holders = reply.isEmpty() ? Set.of() : reply.get(0).getShareKeys().getSharesList().stream()
          .map(EncryptedShares::getTo).collect(Collectors.toSet());
      if (!reply.isEmpty()) {
        assertThat(holders).isEqualTo(expected);
      } else {
        assertThat(expected.size() + 1).isLessThan(T); // too few shareholders: it aborted instead
      }
      surrounded += holders.size() >= T ? 1 : 0;
    }
    // With a graph over the directory, all 20 would be; by chance about 2 of 20 are.
    assertThat(surrounded).isLessThanOrEqualTo(6);
  }

  @Test
  void onceANonceIsOutTheDirectoryCannotChange() {
    LyingServer round = new LyingServer();
    List<Outgoing> directories = round.runUntil(Phase.FIX_GRAPH);
    SecAggMessage directory = directories.get(VICTIM).message();
    round.deliver(VICTIM, directory);
    // A second directory (say, one with a member left out, to steer the seed now that a nonce is known).
    KeyDirectory smaller = directory.getKeyDirectory().toBuilder().removeKeys(4).build();

    round.deliver(VICTIM, round.message().setKeyDirectory(smaller).build());

    assertThat(round.refusedByClients).singleElement()
        .satisfies(v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.UNEXPECTED_MESSAGE));
    assertThat(round.clients.get(VICTIM).phase()).isEqualTo(Phase.SHARE_KEYS);
  }

  @Test
  void aClientThatWithholdsOrForgesItsNonceEndsTheRoundInsteadOfSteeringIt() {
    LyingServer round = new LyingServer();
    List<Outgoing> directories = round.runUntil(Phase.FIX_GRAPH);
    for (Outgoing o : directories) {
      for (SecAggMessage reply : round.deliver(o.to(), o.message())) {
        if (o.to() == 3) {
          GraphNonce forged = reply.getGraphNonce().toBuilder().setNonce(ByteString.copyFrom(new byte[32])).build();
          assertThatThrownBy(() -> round.server.onMessage(3, round.message().setGraphNonce(forged).build()))
              .hasMessageContaining("does not open");
        } else {
          assertThat(round.server.onMessage(o.to(), reply)).isEmpty();
        }
      }
    }
    assertThat(round.server.onDeadline()).isEmpty();
    assertThat(round.server.abortReason().orElseThrow().message()).contains("clients [3] did not reveal their graph nonces");
  }

  @Test
  void sharesFromAClientTheGraphDoesNotMakeANeighbourAreRefused() {
    LyingServer round = new LyingServer();
    List<Outgoing> shares = round.runUntil(Phase.MASKED_INPUT);
    SecAggMessage mine = shares.stream().filter(o -> o.to() == VICTIM).findFirst().orElseThrow().message();
    Set<Integer> neighbours = mine.getSharesForYou().getSharesList().stream().map(EncryptedShares::getFrom)
        .collect(Collectors.toSet());
    // A share between two other clients, readdressed: the server's own idea of who neighbours the victim.
    EncryptedShares foreign = shares.stream().flatMap(o -> o.message().getSharesForYou().getSharesList().stream())
        .filter(s -> s.getFrom() != VICTIM && !neighbours.contains(s.getFrom())).findFirst().orElseThrow();
    SecAggMessage chosen = round.message().setSharesForYou(mine.getSharesForYou().toBuilder()
        .addShares(foreign.toBuilder().setTo(VICTIM))).build();

    assertThat(round.deliver(VICTIM, chosen)).isEmpty();

    assertThat(round.refusedByClients).singleElement()
        .satisfies(v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.NOT_A_NEIGHBOUR));
  }

  // ---- The consistency check: the server lies about who survived.

  /** The victim's neighbours, from the shares it sent. */
  private static Set<Integer> neighboursOfVictim(LyingServer round) {
    return round.sent.get(VICTIM).stream().filter(SecAggMessage::hasShareKeys)
        .flatMap(m -> m.getShareKeys().getSharesList().stream()).map(EncryptedShares::getTo).collect(Collectors.toSet());
  }

  private static SecAggMessage survivorList(LyingServer round, Set<Integer> survivors, Set<Integer> dropped) {
    return round.message().setSurvivorList(SurvivorList.newBuilder().addAllSurvivors(new TreeSet<>(survivors))
        .addAllDropped(new TreeSet<>(dropped))).build();
  }

  /**
   * The lying server's consistency check: client c is shown {@code listFor(c)}; each signer then gets
   * an unmask request with the same lists and the signatures of those of its neighbours {@code forward}
   * accepts (neighbour's signature, the list the neighbour was shown, the list this client was shown).
   */
  private static void lyingConsistencyCheck(LyingServer round, IntFunction<SecAggMessage> listFor, Forward forward,
      Map<Integer, Set<Integer>> neighbours) {
    Map<Integer, SurvivorListSignature> signatures = new HashMap<>();
    for (int c = 0; c < N; c++) {
      for (SecAggMessage reply : round.deliver(c, listFor.apply(c))) {
        signatures.put(c, reply.getSurvivorListSignature());
      }
    }
    for (int c : signatures.keySet()) {
      SurvivorList shown = listFor.apply(c).getSurvivorList();
      UnmaskRequest.Builder request = UnmaskRequest.newBuilder()
          .addAllSurvivors(shown.getSurvivorsList()).addAllDropped(shown.getDroppedList());
      for (int j : new TreeSet<>(neighbours.get(c))) {
        if (signatures.containsKey(j) && forward.test(listFor.apply(j).getSurvivorList(), shown)) {
          request.addSignatures(signatures.get(j));
        }
      }
      round.deliver(c, round.message().setUnmaskRequest(request).build());
    }
  }

  /** Which neighbour signatures the lying server forwards. */
  private interface Forward {
    boolean test(SurvivorList neighbourSaw, SurvivorList clientSaw);
  }

  /** Every client's neighbours, from the shares each sent. */
  private static Map<Integer, Set<Integer>> graph(LyingServer round) {
    Map<Integer, Set<Integer>> out = new HashMap<>();
    for (int c = 0; c < N; c++) {
      out.put(c, round.sent.get(c).stream().filter(SecAggMessage::hasShareKeys)
          .flatMap(m -> m.getShareKeys().getSharesList().stream()).map(EncryptedShares::getTo).collect(Collectors.toSet()));
    }
    return out;
  }

  private static Set<Integer> all() {
    return IntStream.range(0, N).boxed().collect(Collectors.toSet());
  }

  private static Set<Integer> allBut(int c) {
    Set<Integer> out = all();
    out.remove(c);
    return out;
  }

  @Test
  void differentSurvivorListsGetNoAnswerFromClientsThatSeeAnotherListSigned() {
    LyingServer round = new LyingServer();
    round.runUntil(Phase.CONSISTENCY_CHECK);
    Set<Integer> holders = neighboursOfVictim(round);
    // The victim's shareholders are told it dropped (to reveal its mask key), everyone else that it survived.
    IntFunction<SecAggMessage> listFor = c -> holders.contains(c)
        ? survivorList(round, allBut(VICTIM), Set.of(VICTIM)) : survivorList(round, all(), Set.of());

    lyingConsistencyCheck(round, listFor, (neighbourSaw, clientSaw) -> true, graph(round));

    // Every shareholder neighbours the victim, whose signature is over the other list and (forwarded in
    // ascending order, client 0 first) among the t each checks: all of them abort.
    for (int h : holders) {
      assertThat(round.clients.get(h).abortReason().orElseThrow().cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    }
    assertThat(round.revealed(VICTIM, SecretKind.SECRET_KIND_MASK_KEY)).isZero();
    assertThat(round.revealed(VICTIM, SecretKind.SECRET_KIND_SELF_MASK_SEED)).isLessThan(T);
  }

  @Test
  void differentSurvivorListsWithOnlyMatchingSignaturesForwardedStillCannotUnmaskAnyone() {
    LyingServer round = new LyingServer();
    round.runUntil(Phase.CONSISTENCY_CHECK);
    Set<Integer> holders = neighboursOfVictim(round);
    IntFunction<SecAggMessage> listFor = c -> holders.contains(c)
        ? survivorList(round, allBut(VICTIM), Set.of(VICTIM)) : survivorList(round, all(), Set.of());

    lyingConsistencyCheck(round, listFor, SurvivorList::equals, graph(round));

    // The victim's neighbours all signed the other list: it cannot gather t confirmations and reveals nothing.
    AbortReason victim = round.clients.get(VICTIM).abortReason().orElseThrow();
    assertThat(victim.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    assertThat(victim.message()).contains("only 0 neighbours confirmed");
    // Whatever the others answered, no client's two secrets are both revealed t times.
    for (int owner = 0; owner < N; owner++) {
      int seeds = round.revealed(owner, SecretKind.SECRET_KIND_SELF_MASK_SEED);
      int keys = round.revealed(owner, SecretKind.SECRET_KIND_MASK_KEY);
      assertThat(seeds >= T && keys >= T).as("both secrets of client %d revealed", owner).isFalse();
    }
  }

  @Test
  void aFalseDroppedClaimForALiveClientIsRefusedByItAndRevealsNoSeedShare() {
    LyingServer round = new LyingServer();
    round.runUntil(Phase.CONSISTENCY_CHECK);
    IntFunction<SecAggMessage> listFor = c -> survivorList(round, allBut(VICTIM), Set.of(VICTIM));

    lyingConsistencyCheck(round, listFor, (a, b) -> true, graph(round));

    AbortReason reason = round.clients.get(VICTIM).abortReason().orElseThrow();
    assertThat(reason.phase()).isEqualTo(Phase.CONSISTENCY_CHECK);
    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    assertThat(reason.message()).contains("leaves it out");
    assertThat(round.sent.get(VICTIM).stream().noneMatch(SecAggMessage::hasSurvivorListSignature)).isTrue();
    // The others may reveal its mask key (the protocol's rule for a dropped client), never its self-mask
    // seed: its masked input stays hidden by its self mask.
    assertThat(round.revealed(VICTIM, SecretKind.SECRET_KIND_SELF_MASK_SEED)).isZero();
  }

  @Test
  void aRequestForBothSecretsOfOneClientIsRefusedWhenListedAndWhenSwappedIn() {
    LyingServer round = new LyingServer();
    round.runUntil(Phase.CONSISTENCY_CHECK);

    // Listed as both survivor and dropped: every client refuses the list and signs nothing.
    for (int c = 0; c < N; c++) {
      round.deliver(c, survivorList(round, all(), Set.of(VICTIM)));
    }
    assertThat(round.refusedByClients).hasSize(N)
        .allSatisfy(v -> assertThat(v.getMessage()).contains("both survivor and dropped"));

    // The refusal changed nothing: the honest lists are then signed and answered as usual.
    lyingConsistencyCheck(round, c -> survivorList(round, all(), Set.of()), (a, b) -> true, graph(round));
    assertThat(round.clients).allMatch(SecAggClient::completed);

    // Honest lists signed, then an unmask request whose lists differ (the victim moved to dropped).
    LyingServer second = new LyingServer();
    second.runUntil(Phase.CONSISTENCY_CHECK);
    Map<Integer, Set<Integer>> neighbours = graph(second);
    Map<Integer, SurvivorListSignature> signatures = new HashMap<>();
    for (int c = 0; c < N; c++) {
      signatures.put(c, second.deliver(c, survivorList(second, all(), Set.of())).get(0).getSurvivorListSignature());
    }
    for (int c = 1; c < N; c++) {
      UnmaskRequest.Builder swapped = UnmaskRequest.newBuilder().addAllSurvivors(allBut(VICTIM)).addDropped(VICTIM);
      neighbours.get(c).forEach(j -> swapped.addSignatures(signatures.get(j)));
      second.deliver(c, second.message().setUnmaskRequest(swapped).build());
      AbortReason reason = second.clients.get(c).abortReason().orElseThrow();
      assertThat(reason.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
      assertThat(reason.message()).contains("not the ones this client signed");
    }
    assertThat(second.revealed(VICTIM, SecretKind.SECRET_KIND_MASK_KEY)).isZero();
  }

  // ---- Replays from an earlier round (round 6, same identities): nothing of it counts in round 7.

  @Test
  void messagesAdvertisementsNoncesAndSignaturesFromAnEarlierRoundAreAllRefused() {
    LyingServer earlier = new LyingServer(c -> c.setRound(6), 6);
    List<Outgoing> earlierRequests = earlier.runUntil(Phase.UNMASKING);

    // A whole message of round 6: refused by the client and the server alike.
    LyingServer round = new LyingServer();
    round.runUntil(Phase.FIX_GRAPH);
    SecAggMessage old = earlierRequests.get(0).message();
    round.deliver(0, old);
    assertThat(round.refusedByClients).singleElement()
        .satisfies(v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.WRONG_ROUND));
    assertThatThrownBy(() -> round.server.onMessage(1, earlier.sent.get(1).get(0)))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.WRONG_ROUND));

    // Round 6's graph nonces do not open round 7's commitments.
    Map<Integer, AdvertiseKeys> oldAds = new HashMap<>();
    Map<Integer, GraphNonce> oldNonces = new HashMap<>();
    earlier.sent.forEach((c, messages) -> {
      oldAds.put(c, messages.get(0).getAdvertiseKeys());
      oldNonces.put(c, messages.get(1).getGraphNonce());
    });
    UnaryOperator<GraphNonces> replayNonces = n -> {
      GraphNonces.Builder b = GraphNonces.newBuilder();
      n.getNoncesList().forEach(own -> b.addNonces(own.getClient() == VICTIM ? own : oldNonces.get(own.getClient())));
      return b.build();
    };
    AbortReason replayedNonces = victimSeesNonces(new LyingServer(), replayNonces);
    assertThat(replayedNonces.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    assertThat(replayedNonces.message()).contains("does not open its commitment");

    // Round 6's advertisements and nonces together, rewrapped in round 7 messages: made for other parameters.
    AbortReason replayedAds = victimSeesDirectory(new LyingServer(), ad -> oldAds.get(ad.getClient()), replayNonces);
    assertThat(replayedAds.cause()).isEqualTo(AbortReason.Cause.PARAMETER_MISMATCH);

    // Round 6's survivor-list signatures over the very same lists, by the victim's round 7 neighbours:
    // they bind round 6's parameters and graph.
    Map<Integer, SurvivorListSignature> oldSignatures = new HashMap<>();
    earlier.sent.forEach((c, messages) -> messages.stream().filter(SecAggMessage::hasSurvivorListSignature)
        .forEach(m -> oldSignatures.put(c, m.getSurvivorListSignature())));
    LyingServer third = new LyingServer();
    third.runUntil(Phase.CONSISTENCY_CHECK);
    third.deliver(VICTIM, survivorList(third, all(), Set.of()));
    UnmaskRequest.Builder oldRequest = UnmaskRequest.newBuilder().addAllSurvivors(new TreeSet<>(all()));
    new TreeSet<>(neighboursOfVictim(third)).forEach(j -> oldRequest.addSignatures(oldSignatures.get(j)));
    assertThat(oldRequest.getSignaturesCount()).isGreaterThanOrEqualTo(T);
    third.deliver(VICTIM, third.message().setUnmaskRequest(oldRequest).build());
    assertThat(third.refusedByClients).isEmpty();
    AbortReason replayedSignatures = third.clients.get(VICTIM).abortReason().orElseThrow();
    assertThat(replayedSignatures.cause()).isEqualTo(AbortReason.Cause.EQUIVOCATION);
    assertThat(third.revealed(VICTIM, SecretKind.SECRET_KIND_SELF_MASK_SEED)).isZero();
  }

  // ---- Malformed messages.

  @Test
  void messagesWithUnknownFieldsOrLongNoncesAreRefusedWithoutChangingAnything() {
    LyingServer round = new LyingServer();
    List<Outgoing> directories = round.runUntil(Phase.FIX_GRAPH);
    com.google.protobuf.UnknownFieldSet extra = com.google.protobuf.UnknownFieldSet.newBuilder()
        .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
    SecAggMessage directory = directories.get(VICTIM).message();
    KeyDirectory.Builder padded = directory.getKeyDirectory().toBuilder();
    padded.setKeys(3, padded.getKeys(3).toBuilder().setUnknownFields(extra));

    round.deliver(VICTIM, round.message().setKeyDirectory(padded).build());
    assertThat(round.refusedByClients).singleElement()
        .satisfies(v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.MALFORMED));
    List<SecAggMessage> reveal = round.deliver(VICTIM, directory);
    assertThat(reveal).singleElement().satisfies(m -> assertThat(m.hasGraphNonce()).isTrue());

    SecAggMessage withExtra = reveal.get(0).toBuilder()
        .setGraphNonce(reveal.get(0).getGraphNonce().toBuilder().setUnknownFields(extra)).build();
    assertThatThrownBy(() -> round.server.onMessage(VICTIM, withExtra))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.MALFORMED));
    SecAggMessage longNonce = reveal.get(0).toBuilder().setGraphNonce(reveal.get(0).getGraphNonce().toBuilder()
        .setNonce(ByteString.copyFrom(new byte[1 << 20]))).build();
    assertThatThrownBy(() -> round.server.onMessage(VICTIM, longNonce))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> assertThat(v.code()).isEqualTo(ProtocolViolation.Code.WRONG_LENGTH));
    round.server.onMessage(VICTIM, reveal.get(0));
    assertThat(round.server.violations()).extracting(ProtocolViolation::code)
        .containsExactly(ProtocolViolation.Code.MALFORMED, ProtocolViolation.Code.WRONG_LENGTH);
  }

  /**
   * Two instances of one (federation, round), say a round restarted by another coordinator, differ in
   * their round nonce: an advertisement made for one is refused in the other (parameter mismatch), and
   * a malicious-server config without a coordinator and nonce is refused outright.
   */
  @Test
  void twoInstancesOfOneRoundNeverMix() {
    List<SigningKey> ids = new ArrayList<>();
    SecAggConfig.Builder first = LyingServer.maliciousConfig(ids, 700);
    SecAggParameters a = new SecAggParameters(first.build());
    SecAggParameters b = new SecAggParameters(first.clone().setRoundNonce(ByteString.copyFrom(new byte[16])).build());
    assertThat(a.digest()).isNotEqualTo(b.digest());

    AdvertiseKeys fromB = new SecAggClient(b, 1, new float[LyingServer.M], 1, SimulationRandom.fromSeed(1), ids.get(1))
        .start().get(0).getAdvertiseKeys();
    assertThat(Advertisements.check(fromB, a)).contains(Advertisements.Problem.PARAMETER_MISMATCH);
    assertThat(Advertisements.check(fromB, b)).isEmpty();

    assertThatThrownBy(() -> new SecAggParameters(first.clone().clearRoundNonce().build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("round nonce");
    assertThatThrownBy(() -> new SecAggParameters(first.clone().clearCoordinator().build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coordinator");
    assertThatThrownBy(() -> new SecAggParameters(first.clone().setRoundNonce(ByteString.copyFrom(new byte[65])).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
