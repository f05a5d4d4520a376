package io.fedmesh.crypto.secagg;

import static io.fedmesh.crypto.secagg.SecAggFixtures.integerUpdates;
import static io.fedmesh.crypto.secagg.SecAggFixtures.params;
import static io.fedmesh.crypto.secagg.SecAggFixtures.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.MaskedInputChunk;
import io.fedmesh.proto.v1.RevealedShare;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SecretKind;
import io.fedmesh.proto.v1.SharesForYou;
import io.fedmesh.proto.v1.UnmaskRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every kind of hostile message is refused with a typed error, and the round goes on as if it never came. */
class SecAggHostileMessagesTest {
  private static final int N = 8;
  private static final int M = 20;
  private final SecAggParameters params = params(N, 4, 3, M);
  private final float[][] x = integerUpdates(N, M, 9);
  private final long[] w = weights(N, 9);
  private final SimulationRandom random = SimulationRandom.fromSeed(99);
  private final SecAggServer server = new SecAggServer(params);
  private final List<SecAggClient> clients = new ArrayList<>();

  private List<Map.Entry<Integer, SecAggMessage>> replies(List<Outgoing> toClients) {
    List<Map.Entry<Integer, SecAggMessage>> out = new ArrayList<>();
    for (Outgoing o : toClients) {
      clients.get(o.to()).onMessage(o.message()).forEach(r -> out.add(Map.entry(o.to(), r)));
    }
    return out;
  }

  private List<Outgoing> send(List<Map.Entry<Integer, SecAggMessage>> fromClients) {
    List<Outgoing> out = new ArrayList<>();
    fromClients.forEach(e -> out.addAll(server.onMessage(e.getKey(), e.getValue())));
    return out;
  }

  private void refused(ThrowingCallable call, Code code, int offender) {
    Phase before = server.phase();
    assertThatThrownBy(call).isInstanceOfSatisfying(ProtocolViolation.class, v -> {
      assertThat(v.code()).isEqualTo(code);
      assertThat(v.offender()).isEqualTo(offender);
    });
    assertThat(server.phase()).isEqualTo(before);
  }

  private static SecAggMessage.Builder round(long r) {
    return SecAggMessage.newBuilder().setRound(r);
  }

  @Test
  void theServerRefusesHostileMessagesInEveryPhaseAndStillUnmasksTheExactSum() {
    for (int c = 0; c < N; c++) {
      clients.add(new SecAggClient(params, c, x[c], w[c], random));
    }
    // Phase 0.
    List<Map.Entry<Integer, SecAggMessage>> adverts = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      adverts.add(Map.entry(c, clients.get(c).start().get(0)));
    }
    SecAggMessage advert0 = adverts.get(0).getValue();
    refused(() -> server.onMessage(0, advert0.toBuilder().setRound(8).build()), Code.WRONG_ROUND, 0);
    refused(() -> server.onMessage(1, advert0), Code.INCONSISTENT, 1); // client 1 posing as client 0
    refused(() -> server.onMessage(0, advert0.toBuilder().setAdvertiseKeys(advert0.getAdvertiseKeys().toBuilder()
        .setMaskKey(ByteString.copyFrom(new byte[31]))).build()), Code.WRONG_LENGTH, 0);
    refused(() -> server.onMessage(0, round(7).setMaskedInputChunk(MaskedInputChunk.newBuilder().setClient(0)).build()),
        Code.UNEXPECTED_MESSAGE, 0);
    server.onMessage(0, advert0);
    refused(() -> server.onMessage(0, advert0), Code.DUPLICATE, 0);
    List<Outgoing> directories = send(adverts.subList(1, N));

    // Phase 1.
    List<Map.Entry<Integer, SecAggMessage>> shares = replies(directories);
    SecAggMessage shares0 = shares.get(0).getValue();
    var first = shares0.getShareKeys().getShares(0);
    refused(() -> server.onMessage(0, shares0.toBuilder().setShareKeys(shares0.getShareKeys().toBuilder()
        .setShares(0, first.toBuilder().setTo(nonNeighbourOf(0, shares0)))).build()), Code.NOT_A_NEIGHBOUR, 0);
    refused(() -> server.onMessage(0, shares0.toBuilder().setShareKeys(shares0.getShareKeys().toBuilder()
        .removeShares(0)).build()), Code.WRONG_LENGTH, 0);
    refused(() -> server.onMessage(0, shares0.toBuilder().setShareKeys(shares0.getShareKeys().toBuilder()
        .setShares(1, first)).build()), Code.DUPLICATE, 0);
    refused(() -> server.onMessage(0, shares0.toBuilder().setShareKeys(shares0.getShareKeys().toBuilder()
        .setShares(0, first.toBuilder().setCiphertext(first.getCiphertext().substring(1)))).build()), Code.WRONG_LENGTH, 0);
    refused(() -> server.onMessage(0, advert0), Code.UNEXPECTED_MESSAGE, 0); // a phase-0 message, replayed late
    List<Outgoing> routed = send(shares);

    // Phase 2.
    List<Map.Entry<Integer, SecAggMessage>> chunks = replies(routed);
    SecAggMessage chunk = chunks.get(0).getValue();
    int owner = chunks.get(0).getKey();
    MaskedInputChunk c0 = chunk.getMaskedInputChunk();
    refused(() -> server.onMessage(owner, chunk.toBuilder().setMaskedInputChunk(c0.toBuilder()
        .setWords(c0.getWords().substring(4))).build()), Code.WRONG_LENGTH, owner);
    refused(() -> server.onMessage(owner, chunk.toBuilder().setMaskedInputChunk(c0.toBuilder().setIndex(99)).build()),
        Code.WRONG_LENGTH, owner);
    server.onMessage(owner, chunk);
    refused(() -> server.onMessage(owner, chunk), Code.DUPLICATE, owner);
    List<Outgoing> requests = send(chunks.subList(1, chunks.size()));

    // Phase 3: a client asks the server to take the mask key of a survivor (both secrets of one client).
    List<Map.Entry<Integer, SecAggMessage>> answers = replies(requests);
    SecAggMessage answer = answers.get(0).getValue();
    int answerer = answers.get(0).getKey();
    RevealedShare revealed = answer.getUnmaskResponse().getShares(0);
    refused(() -> server.onMessage(answerer, answer.toBuilder().setUnmaskResponse(answer.getUnmaskResponse().toBuilder()
        .setShares(0, revealed.toBuilder().setKind(SecretKind.SECRET_KIND_MASK_KEY))).build()), Code.INCONSISTENT, answerer);
    refused(() -> server.onMessage(answerer, answer.toBuilder().setUnmaskResponse(answer.getUnmaskResponse().toBuilder()
        .setShares(0, revealed.toBuilder().clearValues().addAllValues(revealed.getValuesList().subList(1, revealed.getValuesCount())))).build()), Code.WRONG_LENGTH, answerer);
    server.onMessage(answerer, answer);
    refused(() -> server.onMessage(answerer, answer), Code.DUPLICATE, answerer);
    send(answers.subList(1, answers.size()));

    assertThat(server.result().orElseThrow().weightedSum())
        .containsExactly(SecAggRoundTest.plaintextSum(x, w, SecAggRoundTest.survivors(N, Map.of(), Set.of()), M));
    assertThat(server.violations()).hasSize(16).allSatisfy(v -> assertThat(v.offender()).isBetween(0, N - 1));
  }

  /**
   * A client adds to its weight word whatever makes the total 0 mod 2^32 (or pushes it past what the
   * survivors' weights can reach): the server refuses to decode the sum and says why.
   */
  @Test
  void aWeightTotalOutsideWhatTheSurvivorsCanReachIsRefused() {
    long honestTotal = java.util.Arrays.stream(w).sum();
    for (long delta : new long[] {-honestTotal, (long) N * params.quantizer().maxWeight() + 1 - honestTotal}) {
      SecAggServer victim = roundWithClient3AddingToItsWeight(delta);
      assertThat(victim.result()).isEmpty();
      assertThat(victim.abortReason().orElseThrow().message())
          .contains("weight total").contains("a client sent a weight out of range");
    }
  }

  /**
   * The limit of that check (found by the red team): a client that wraps the total to 1, inside the
   * range, goes undetected. The docs (protocol.md 6.3) say a malicious client can do this; only range
   * proofs or robust aggregation would bound it.
   */
  @Test
  void aClientThatWrapsTheWeightTotalToOneIsNotDetected() {
    SecAggServer server = roundWithClient3AddingToItsWeight(1 - java.util.Arrays.stream(w).sum());
    assertThat(server.result()).isPresent();
    assertThat(server.result().get().weightTotal()).isEqualTo(1);
    assertThat(server.result().get().survivors()).hasSize(N);
  }

  /** A whole round in which client 3 adds {@code delta} to its weight word; returns the server at the end. */
  private SecAggServer roundWithClient3AddingToItsWeight(long delta) {
    SecAggServer victim = new SecAggServer(params);
    List<SecAggClient> cohort = new ArrayList<>();
    SimulationRandom r = SimulationRandom.fromSeed(5);
    for (int c = 0; c < N; c++) {
      cohort.add(new SecAggClient(params, c, x[c], w[c], r));
    }
    List<Outgoing> pending = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      pending.addAll(victim.onMessage(c, cohort.get(c).start().get(0)));
    }
    while (!pending.isEmpty()) {
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : pending) {
        for (SecAggMessage reply : cohort.get(o.to()).onMessage(o.message())) {
          next.addAll(victim.onMessage(o.to(), o.to() == 3 ? poisonWeight(reply, delta) : reply));
        }
      }
      pending = next;
    }
    return victim;
  }

  /** Adds {@code delta} to the weight word (the last word of the last chunk): masks are additive, so the sum moves by delta. */
  private SecAggMessage poisonWeight(SecAggMessage m, long delta) {
    if (!m.hasMaskedInputChunk() || m.getMaskedInputChunk().getIndex() != params.chunkCount() - 1) {
      return m;
    }
    byte[] words = m.getMaskedInputChunk().getWords().toByteArray();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(words).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int at = words.length - 4;
    b.putInt(at, (int) (b.getInt(at) + delta));
    return m.toBuilder().setMaskedInputChunk(m.getMaskedInputChunk().toBuilder().setWords(ByteString.copyFrom(words))).build();
  }

  private int nonNeighbourOf(int client, SecAggMessage shares) {
    Set<Integer> neighbours = new java.util.HashSet<>();
    shares.getShareKeys().getSharesList().forEach(s -> neighbours.add(s.getTo()));
    for (int c = 0; c < N; c++) {
      if (c != client && !neighbours.contains(c)) {
        return c;
      }
    }
    throw new IllegalStateException("client " + client + " neighbours everyone");
  }

  /** Drives clients to the point where client 0 waits for its shares, returning what the server routed to it. */
  private Map<Integer, SecAggMessage> untilShares() {
    for (int c = 0; c < N; c++) {
      clients.add(new SecAggClient(params, c, x[c], w[c], random));
    }
    List<Map.Entry<Integer, SecAggMessage>> adverts = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      adverts.add(Map.entry(c, clients.get(c).start().get(0)));
    }
    List<Outgoing> routed = send(replies(send(adverts)));
    Map<Integer, SecAggMessage> byClient = new HashMap<>();
    routed.forEach(o -> byClient.put(o.to(), o.message()));
    return byClient;
  }

  @Test
  void aClientRefusesTamperedOrMisaddressedSharesAndThenAcceptsTheGenuineOnes() {
    SecAggMessage mine = untilShares().get(0);
    SharesForYou shares = mine.getSharesForYou();
    EncryptedShares first = shares.getShares(0);
    SecAggClient client = clients.get(0);

    assertClientRefuses(client, mine.toBuilder().setSharesForYou(shares.toBuilder().addShares(first)).build(), Code.DUPLICATE, -1);
    assertClientRefuses(client, mine.toBuilder().setSharesForYou(shares.toBuilder()
        .setShares(0, first.toBuilder().setTo(3))).build(), Code.NOT_A_NEIGHBOUR, -1);
    assertClientRefuses(client, mine.toBuilder().setRound(6).build(), Code.WRONG_ROUND, -1);
    assertClientRefuses(client, round(7).setUnmaskRequest(UnmaskRequest.getDefaultInstance()).build(), Code.UNEXPECTED_MESSAGE, -1);

    assertThat(client.onMessage(mine)).isNotEmpty().allSatisfy(m -> assertThat(m.hasMaskedInputChunk()).isTrue());
  }

  @Test
  void aShareThatDoesNotDecryptMakesTheClientComplainAndLeave() {
    SecAggMessage mine = untilShares().get(0);
    SharesForYou shares = mine.getSharesForYou();
    EncryptedShares first = shares.getShares(0);
    byte[] flipped = first.getCiphertext().toByteArray();
    flipped[20] ^= 1;
    SecAggClient client = clients.get(0);

    List<SecAggMessage> out = client.onMessage(mine.toBuilder().setSharesForYou(shares.toBuilder()
        .setShares(0, first.toBuilder().setCiphertext(ByteString.copyFrom(flipped)))).build());

    assertThat(out).singleElement().satisfies(m -> {
      assertThat(m.getShareComplaint().getDealer()).isEqualTo(first.getFrom());
      // It did not open, so it may be the server's doing: no key goes with the complaint.
      assertThat(m.getShareComplaint().getShareKey().isEmpty()).isTrue();
    });
    assertThat(client.abortReason().orElseThrow().cause()).isEqualTo(io.fedmesh.crypto.secagg.shared.AbortReason.Cause.BAD_SHARE);
    assertThat(client.abortReason().get().message()).contains("neighbour " + first.getFrom()).contains("do not decrypt");
  }

  /**
   * A server that alters a dealer's commitment in transit, hoping the holder reveals its key (and with
   * it its shares of an honest dealer's two secrets): the commitments are the ciphertext's associated
   * data, so the shares fail to open, and the holder complains without its key.
   */
  @Test
  void aCommitmentAlteredInTransitGetsAComplaintWithoutTheKey() {
    SecAggMessage mine = untilShares().get(0);
    SharesForYou shares = mine.getSharesForYou();
    EncryptedShares first = shares.getShares(0);
    byte[] commitment = first.getSeedCommitment().toByteArray();
    commitment[0] ^= 1;

    List<SecAggMessage> out = clients.get(0).onMessage(mine.toBuilder().setSharesForYou(shares.toBuilder()
        .setShares(0, first.toBuilder().setSeedCommitment(ByteString.copyFrom(commitment)))).build());

    assertThat(out).singleElement().satisfies(m -> assertThat(m.getShareComplaint().getShareKey().isEmpty()).isTrue());
  }

  @Test
  void aClientRefusesADirectoryThatDropsOrReordersItsOwnKeys() {
    SecAggClient client = new SecAggClient(params, 2, x[2], w[2], random);
    AdvertiseKeys mine = client.start().get(0).getAdvertiseKeys();
    AdvertiseKeys other = new SecAggClient(params, 5, x[5], w[5], random).start().get(0).getAdvertiseKeys();

    assertClientRefuses(client, round(7).setKeyDirectory(KeyDirectory.newBuilder().addKeys(other)).build(), Code.INCONSISTENT, -1);
    assertClientRefuses(client, round(7).setKeyDirectory(KeyDirectory.newBuilder().addKeys(other).addKeys(mine)).build(),
        Code.INCONSISTENT, -1);
    assertClientRefuses(client, round(7).setKeyDirectory(KeyDirectory.newBuilder().addKeys(mine)
        .addKeys(other.toBuilder().setShareKey(ByteString.copyFrom(new byte[31])))).build(), Code.WRONG_LENGTH, -1);
    assertClientRefuses(client, round(7).setKeyDirectory(KeyDirectory.newBuilder().addKeys(mine)
        .addKeys(other.toBuilder().setClient(N + 4))).build(), Code.NOT_IN_ROUND, -1);
    assertThat(client.phase()).isEqualTo(Phase.SHARE_KEYS);
  }

  @Test
  void aClientAnswersOneUnmaskRequestAndNeverRevealsBothSecretsOfAClient() {
    Map<Integer, SecAggMessage> shares = untilShares();
    SecAggClient client = clients.get(0);
    client.onMessage(shares.get(0));
    int neighbour = shares.get(0).getSharesForYou().getShares(0).getFrom();
    List<Integer> everyone = java.util.stream.IntStream.range(0, N).boxed().toList();

    assertClientRefuses(client, round(7).setUnmaskRequest(UnmaskRequest.newBuilder().addAllSurvivors(everyone)
        .addDropped(neighbour)).build(), Code.INCONSISTENT, -1);
    assertClientRefuses(client, round(7).setUnmaskRequest(UnmaskRequest.newBuilder()
        .addAllSurvivors(everyone.subList(1, N))).build(), Code.INCONSISTENT, -1);
    assertClientRefuses(client, round(7).setUnmaskRequest(UnmaskRequest.newBuilder().addSurvivors(0).addSurvivors(0)).build(),
        Code.INCONSISTENT, -1);

    List<Integer> survivors = everyone.stream().filter(c -> c != neighbour).toList();
    SecAggMessage request = round(7).setUnmaskRequest(UnmaskRequest.newBuilder().addAllSurvivors(survivors).addDropped(neighbour)).build();
    var response = client.onMessage(request).get(0).getUnmaskResponse();

    for (RevealedShare s : response.getSharesList()) {
      assertThat(s.getKind()).as("owner %d", s.getOwner()).isEqualTo(s.getOwner() == neighbour
          ? SecretKind.SECRET_KIND_MASK_KEY : SecretKind.SECRET_KIND_SELF_MASK_SEED);
    }
    assertThat(response.getSharesList()).extracting(RevealedShare::getOwner).doesNotHaveDuplicates().contains(0, neighbour);
    // Asked again, now naming the neighbour a survivor: a second answer would hand over its other secret.
    SecAggMessage again = round(7).setUnmaskRequest(UnmaskRequest.newBuilder().addAllSurvivors(everyone)).build();
    assertClientRefuses(client, again, Code.UNEXPECTED_MESSAGE, -1);
    assertThat(client.completed()).isTrue();
  }

  @Test
  void deadlinesAbortWaitingClientsAndCloseServerPhases() {
    SecAggClient client = new SecAggClient(params, 0, x[0], w[0], random);
    client.start();
    client.onDeadline();
    assertThat(client.abortReason().orElseThrow().phase()).isEqualTo(Phase.SHARE_KEYS);
    assertThat(client.abortReason().get().message()).contains("deadline passed");

    server.onMessage(0, new SecAggClient(params, 0, x[0], w[0], random).start().get(0));
    assertThat(server.onDeadline()).isEmpty();
    assertThat(server.abortReason().orElseThrow().toString())
        .isEqualTo("aborted in ADVERTISE_KEYS: only 1 of 8 clients advertised keys; threshold is 3");
  }

  private static void assertClientRefuses(SecAggClient client, SecAggMessage message, Code code, int offender) {
    Phase before = client.phase();
    assertThatThrownBy(() -> client.onMessage(message)).isInstanceOfSatisfying(ProtocolViolation.class, v -> {
      assertThat(v.code()).isEqualTo(code);
      assertThat(v.offender()).isEqualTo(offender);
    });
    assertThat(client.phase()).isEqualTo(before);
  }
}
