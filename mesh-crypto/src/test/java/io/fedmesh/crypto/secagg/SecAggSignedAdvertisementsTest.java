package io.fedmesh.crypto.secagg;

import static io.fedmesh.crypto.secagg.SecAggFixtures.integerUpdates;
import static io.fedmesh.crypto.secagg.SecAggFixtures.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.KeyDirectory;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.SecAggConfig;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Clients with identity keys sign their advertisements and refuse ones they cannot trust. */
class SecAggSignedAdvertisementsTest {
  private static final int N = 6;
  private static final int M = 12;
  private final List<SigningKey> identities = new ArrayList<>();
  private final SecAggConfig config;
  private final SecAggParameters params;
  private final float[][] x = integerUpdates(N, M, 3);
  private final long[] w = weights(N, 3);

  SecAggSignedAdvertisementsTest() {
    SecAggConfig.Builder b = SecAggFixtures.config(N, 4, 3, M).clearCohort();
    for (int c = 0; c < N; c++) {
      SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(100 + c));
      identities.add(key);
      b.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(key.verifyingKey().nodeId().toBytes())));
    }
    config = b.build();
    params = new SecAggParameters(config);
  }

  private List<SecAggClient> clients(SecAggParameters p) {
    List<SecAggClient> out = new ArrayList<>();
    SimulationRandom random = SimulationRandom.fromSeed(8);
    for (int c = 0; c < N; c++) {
      out.add(new SecAggClient(p, c, x[c], w[c], random, identities.get(c)));
    }
    return out;
  }

  @Test
  void aRoundOfSigningClientsCompletesWithTheExactSum() {
    List<SecAggClient> clients = clients(params);
    SecAggServer server = new SecAggServer(params);
    List<Outgoing> out = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      SecAggMessage advert = clients.get(c).start().get(0);
      assertThat(advert.getAdvertiseKeys().getSignature().size()).isEqualTo(64);
      out.addAll(server.onMessage(c, advert));
    }
    while (server.result().isEmpty() && server.abortReason().isEmpty()) {
      List<Outgoing> next = new ArrayList<>();
      for (Outgoing o : out) {
        for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
          next.addAll(server.onMessage(o.to(), reply));
        }
      }
      out = next;
    }
    Set<Integer> all = Set.of(0, 1, 2, 3, 4, 5);
    assertThat(server.result().orElseThrow().weightedSum()).containsExactly(SecAggRoundTest.plaintextSum(x, w, all, M));
  }

  /** The directory a lying server could send: every advertisement but the victim's passed through {@code change}. */
  private AbortReason victimSees(UnaryOperator<AdvertiseKeys> change, List<SecAggClient> clients) {
    List<AdvertiseKeys> adverts = new ArrayList<>();
    for (SecAggClient client : clients) {
      adverts.add(client.start().get(0).getAdvertiseKeys());
    }
    KeyDirectory.Builder directory = KeyDirectory.newBuilder();
    for (AdvertiseKeys ad : adverts) {
      directory.addKeys(ad.getClient() == 0 ? ad : change.apply(ad));
    }
    SecAggClient victim = clients.get(0);
    assertThat(victim.onMessage(SecAggMessage.newBuilder().setRound(7).setKeyDirectory(directory).build())).isEmpty();
    return victim.abortReason().orElseThrow();
  }

  @Test
  void aSubstitutedMaskKeyAbortsTheRoundForTheClientThatSeesIt() {
    byte[] attackers = io.fedmesh.crypto.agreement.X25519.generate(SimulationRandom.fromSeed(66)).publicKey();

    AbortReason reason = victimSees(ad -> ad.toBuilder().setMaskKey(ByteString.copyFrom(attackers)).build(), clients(params));

    assertThat(reason.phase()).isEqualTo(Phase.SHARE_KEYS);
    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.KEY_SUBSTITUTION);
    assertThat(reason.message()).contains("cannot be trusted: BAD_SIGNATURE");
  }

  @Test
  void anUnsignedOrForeignAdvertisementIsASubstitutionToo() {
    assertThat(victimSees(ad -> ad.toBuilder().clearSignature().clearIdentityKey().build(), clients(params)).message())
        .contains("UNSIGNED");
    // Re-signed by another identity: valid signature, but not the key the cohort lists for that client.
    SigningKey stranger = SigningKey.generate(SimulationRandom.fromSeed(77));
    AbortReason reason = victimSees(ad -> io.fedmesh.crypto.secagg.shared.Advertisements.sign(ad.toBuilder(), stranger, params),
        clients(params));
    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.KEY_SUBSTITUTION);
    assertThat(reason.message()).contains("IDENTITY_MISMATCH");
  }

  @Test
  void neighboursThatJoinedOtherParametersAbortTheRound() {
    // The server told everyone but client 0 a threshold of 2 (say, to make their secrets easier to rebuild).
    SecAggParameters other = new SecAggParameters(config.toBuilder().setThreshold(2).build());
    List<SecAggClient> clients = clients(other);
    clients.set(0, new SecAggClient(params, 0, x[0], w[0], SimulationRandom.fromSeed(9), identities.get(0)));

    AbortReason reason = victimSees(ad -> ad, clients);

    assertThat(reason.cause()).isEqualTo(AbortReason.Cause.PARAMETER_MISMATCH);
  }

  @Test
  void theServerRefusesBadlySignedAdvertisementsAndClientsRefuseForeignIdentities() {
    SecAggServer server = new SecAggServer(params);
    SecAggMessage advert = clients(params).get(1).start().get(0);
    SecAggMessage forged = advert.toBuilder().setAdvertiseKeys(advert.getAdvertiseKeys().toBuilder()
        .setShareKey(ByteString.copyFrom(io.fedmesh.crypto.agreement.X25519.generate(SimulationRandom.fromSeed(5)).publicKey())))
        .build();

    assertThatThrownBy(() -> server.onMessage(1, forged))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> assertThat(v.getMessage()).contains("BAD_SIGNATURE"));
    server.onMessage(1, advert);
    assertThatThrownBy(() -> new SecAggClient(params, 2, x[2], w[2], SimulationRandom.fromSeed(1), identities.get(3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cohort[2]");
  }
}
