package io.fedmesh.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.secagg.client.ShareKeyPeek;
import io.fedmesh.crypto.secagg.server.Complaint;
import io.fedmesh.crypto.secagg.server.Outgoing;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.ShareComplaint;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Red team (an attack that fails): malicious holders complain falsely about honest dealers, with the
 * true key, a random key, no key, naming a non-neighbour or replaying another's complaint. No honest
 * client may end up as an offender (three of eight leaving may still end the round for lack of shares).
 */
class FalseComplaintsDoNotBlameHonestDealersTest {
  @Test
  void falseComplaintsBlameOnlyTheComplainers() {
    LyingServer round = new LyingServer(); // the honest server engine; clients 1, 3, 5 are malicious
    List<Outgoing> sharesForYou = round.runUntil(Phase.MASKED_INPUT);
    Set<Integer> malicious = Set.of(1, 3, 5);
    List<SecAggMessage> complaints = new ArrayList<>();
    for (Outgoing o : sharesForYou) {
      if (!malicious.contains(o.to())) {
        continue;
      }
      int dealer = o.message().getSharesForYou().getShares(0).getFrom();
      ShareComplaint.Builder c = ShareComplaint.newBuilder().setClient(o.to()).setDealer(dealer);
      switch (o.to()) {
        case 1 -> c.setShareKey(ByteString.copyFrom(ShareKeyPeek.keyFromDealer(round.clients.get(1), round.params, 1, dealer)));
        case 3 -> c.setShareKey(ByteString.copyFrom(new byte[32]));
        default -> { } // no key
      }
      complaints.add(round.message().setShareComplaint(c).build());
    }
    // A complaint naming a client that dealt it nothing, and a replay of client 1's complaint by client 3.
    int nonNeighbour = -1;
    for (int j = 0; j < LyingServer.N; j++) {
      final int candidate = j;
      boolean dealt = sharesForYou.stream().filter(o -> o.to() == 3)
          .anyMatch(o -> o.message().getSharesForYou().getSharesList().stream().anyMatch(s -> s.getFrom() == candidate));
      if (j != 3 && !dealt) {
        nonNeighbour = j;
      }
    }
    SecAggMessage toNonNeighbour = round.message().setShareComplaint(
        ShareComplaint.newBuilder().setClient(3).setDealer(nonNeighbour)).build();
    assertThatThrownBy(() -> round.server.onMessage(3, toNonNeighbour)).isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(() -> round.server.onMessage(3, complaints.get(0))).isInstanceOf(ProtocolViolation.class);

    List<Outgoing> next = new ArrayList<>();
    for (SecAggMessage c : complaints) {
      next.addAll(round.server.onMessage(c.getShareComplaint().getClient(), c));
    }
    for (Outgoing o : sharesForYou) {
      if (!malicious.contains(o.to())) {
        for (SecAggMessage reply : round.deliver(o.to(), o.message())) {
          next.addAll(round.server.onMessage(o.to(), reply));
        }
      }
    }
    // Finish the round honestly.
    while (round.server.result().isEmpty() && round.server.abortReason().isEmpty()) {
      List<Outgoing> pending = next.isEmpty() ? round.server.onDeadline() : next;
      next = new ArrayList<>();
      for (Outgoing o : pending) {
        for (SecAggMessage reply : round.deliver(o.to(), o.message())) {
          next.addAll(round.server.onMessage(o.to(), reply));
        }
      }
    }
    assertThat(round.server.complaints()).extracting(Complaint::finding)
        .containsExactlyInAnyOrder(Complaint.Finding.COMPLAINER_AT_FAULT, Complaint.Finding.UNPROVEN, Complaint.Finding.UNPROVEN);
    assertThat(round.server.violations()).allSatisfy(v -> assertThat(malicious).contains(v.offender()));
  }
}
