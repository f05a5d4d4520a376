package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.client.MaliciousDealer;
import io.fedmesh.crypto.secagg.client.MaliciousDealer.Deal;
import io.fedmesh.crypto.secagg.client.SecAggClient;
import io.fedmesh.crypto.secagg.server.Complaint;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.server.SecAggServer;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A malicious dealer (issue 12, item 2): whatever it deals, the blame lands on it, provably, and never
 * on an honest holder; the round goes on where t good shares remain, and otherwise aborts naming it.
 */
class DealerBlameTest {
  private static final int N = LyingServer.N;
  private static final int M = LyingServer.M;
  private static final int DEALER = 2;

  @Test
  void aShareOutsideTheFieldMakesItsHolderComplainAndTheDealerIsProvedAtFault() {
    Round round = new Round(Deal.OUTSIDE_THE_FIELD, 1, false);
    round.assertHolderComplainedAndDealerBlamed();
  }

  @Test
  void aShareNotMatchingItsCommitmentMakesItsHolderComplainAndTheDealerIsProvedAtFault() {
    Round round = new Round(Deal.WRONG_COMMITMENT, 1, false);
    round.assertHolderComplainedAndDealerBlamed();
  }

  /** In-range garbage that opens its commitment, then the dealer drops: spares rebuild its key, the dealer is named. */
  @Test
  void consistentGarbageFromADealerThatDropsIsCaughtAtUnmaskingAndBlamedOnTheDealer() {
    Round round = new Round(Deal.CONSISTENT_GARBAGE, 1, true);
    assertThat(round.server.result()).isPresent();
    assertThat(round.server.result().get().weightedSum()).containsExactly(round.expectedSum(Set.of(DEALER)));
    assertThat(round.server.violations()).isNotEmpty().allSatisfy(v -> {
      assertThat(v.code()).isEqualTo(Code.BAD_DEALING);
      assertThat(v.offender()).isEqualTo(DEALER);
    });
  }

  /** Garbage to two of its four holders leaves fewer than t good shares: the round aborts, naming the dealer, not anonymously. */
  @Test
  void garbageToTooManyHoldersAbortsTheRoundNamingTheDealer() {
    Round round = new Round(Deal.CONSISTENT_GARBAGE, 2, true);
    assertThat(round.server.result()).isEmpty();
    assertThat(round.server.abortReason().orElseThrow().message()).contains("client " + DEALER + " dealt them wrong");
    assertThat(round.server.violations()).singleElement().satisfies(v -> {
      assertThat(v.code()).isEqualTo(Code.BAD_DEALING);
      assertThat(v.offender()).isEqualTo(DEALER);
    });
  }

  /** A malicious-server round: one dealer, its first {@code victims} holders dealt {@code deal}; the rest honest. */
  private static final class Round {
    final List<SigningKey> ids = new ArrayList<>();
    final SecAggParameters params = new SecAggParameters(LyingServer.maliciousConfig(ids, 300).build());
    final float[][] x = SecAggFixtures.integerUpdates(N, M, 11);
    final long[] w = SecAggFixtures.weights(N, 11);
    final SecAggServer server = new SecAggServer(params);
    final List<SecAggClient> clients = new ArrayList<>();
    final List<Integer> holders = new ArrayList<>();

    Round(Deal deal, int victims, boolean dealerDropsAfterSharing) {
      SimulationRandom random = SimulationRandom.fromSeed(21);
      for (int c = 0; c < N; c++) {
        clients.add(new SecAggClient(params, c, x[c], w[c], random, ids.get(c)));
      }
      List<Outgoing> pending = new ArrayList<>();
      for (int c = 0; c < N; c++) {
        pending.addAll(server.onMessage(c, clients.get(c).start().get(0)));
      }
      boolean dealt = false;
      while (server.result().isEmpty() && server.abortReason().isEmpty()) {
        List<Outgoing> next = new ArrayList<>();
        for (Outgoing o : pending) {
          if (o.to() == DEALER && dealt && dealerDropsAfterSharing) {
            continue;
          }
          for (SecAggMessage reply : clients.get(o.to()).onMessage(o.message())) {
            if (o.to() == DEALER && reply.hasShareKeys()) {
              dealt = true;
              for (int i = 0; i < victims; i++) {
                holders.add(reply.getShareKeys().getShares(i).getTo());
                reply = MaliciousDealer.redeal(clients.get(DEALER), params, reply, holders.get(i), deal, ids.get(DEALER));
              }
            }
            try {
              next.addAll(server.onMessage(o.to(), reply));
            } catch (ProtocolViolation refused) {
              // recorded by the server
            }
          }
        }
        pending = next.isEmpty() ? server.onDeadline() : next;
      }
    }

    double[] expectedSum(Set<Integer> absent) {
      Set<Integer> survivors = new TreeSet<>();
      for (int c = 0; c < N; c++) {
        if (!absent.contains(c)) {
          survivors.add(c);
        }
      }
      return SecAggRoundTest.plaintextSum(x, w, survivors, M);
    }

    void assertHolderComplainedAndDealerBlamed() {
      int holder = holders.get(0);
      assertThat(clients.get(holder).abortReason().orElseThrow().cause()).isEqualTo(AbortReason.Cause.BAD_SHARE);
      assertThat(server.complaints()).singleElement().satisfies(c -> {
        assertThat(c.complainer()).isEqualTo(holder);
        assertThat(c.dealer()).isEqualTo(DEALER);
        assertThat(c.finding()).isEqualTo(Complaint.Finding.DEALER_AT_FAULT);
      });
      assertThat(server.violations()).singleElement().satisfies(v -> {
        assertThat(v.code()).isEqualTo(Code.BAD_DEALING);
        assertThat(v.offender()).isEqualTo(DEALER);
      });
      // The holder left like any dropout; the round completes without it.
      assertThat(server.result().orElseThrow().weightedSum()).containsExactly(expectedSum(Set.of(holder)));
    }
  }
}
