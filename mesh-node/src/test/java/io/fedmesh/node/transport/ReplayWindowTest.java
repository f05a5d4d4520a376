package io.fedmesh.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
  private static final long WINDOW = 120_000;
  private final NodeId alice = SigningKey.generate(SimulationRandom.fromSeed(1)).verifyingKey().nodeId();
  private final NodeId bob = SigningKey.generate(SimulationRandom.fromSeed(2)).verifyingKey().nodeId();

  private static ByteString id(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(8, n).array());
  }

  @Test
  void eachSendersIdIsAcceptedOnceWithinTheWindow() {
    ReplayWindow window = new ReplayWindow(WINDOW);
    long now = 1_000_000_000L;
    assertThat(window.check(alice, id(1), now, now)).isEqualTo(ReplayWindow.Verdict.FRESH);
    assertThat(window.check(alice, id(1), now, now + 10)).isEqualTo(ReplayWindow.Verdict.REPLAYED);
    // The same id from another sender is another envelope: a relay that saw it cannot spend it first.
    assertThat(window.check(bob, id(1), now, now)).isEqualTo(ReplayWindow.Verdict.FRESH);
    assertThat(window.check(alice, id(2), now - WINDOW - 1, now)).isEqualTo(ReplayWindow.Verdict.OUTSIDE_WINDOW);
    assertThat(window.check(alice, id(3), now + WINDOW + 1, now)).isEqualTo(ReplayWindow.Verdict.OUTSIDE_WINDOW);
  }

  @Test
  void oneFloodingSenderFillsOnlyItsOwnShare() {
    ReplayWindow window = new ReplayWindow(WINDOW);
    long now = 1_000_000_000L;
    for (int i = 0; i < ReplayWindow.MAX_PER_SENDER; i++) {
      assertThat(window.check(alice, id(i), now, now)).isEqualTo(ReplayWindow.Verdict.FRESH);
    }
    assertThat(window.check(alice, id(-1), now, now)).isEqualTo(ReplayWindow.Verdict.FULL);
    assertThat(window.check(bob, id(-1), now, now)).isEqualTo(ReplayWindow.Verdict.FRESH);
    // Once its ids expire (twice the window), the flooding sender is heard again.
    long later = now + 2 * WINDOW + 1;
    assertThat(window.check(alice, id(-2), later, later)).isEqualTo(ReplayWindow.Verdict.FRESH);
    assertThat(window.remembered()).isEqualTo(1);
  }

  private static NodeId node(int seed) {
    return SigningKey.generate(SimulationRandom.fromSeed(100 + seed)).verifyingKey().nodeId();
  }

  @Test
  void tenFloodingSendersCannotFillTheWindowForAnHonestOne() {
    java.util.List<String> limits = new java.util.ArrayList<>();
    ReplayWindow window = new ReplayWindow(WINDOW, 1000, 100, limits::add);
    long now = 1_000_000_000L;
    for (int s = 0; s < 10; s++) {
      for (int i = 0; i < 100; i++) {
        assertThat(window.check(node(s), id(i), now + i, now + i)).isEqualTo(ReplayWindow.Verdict.FRESH);
      }
    }
    assertThat(window.remembered()).isEqualTo(1000);
    assertThat(window.check(node(0), id(1000), now + 100, now + 100)).isEqualTo(ReplayWindow.Verdict.FULL);
    // Full in all, and each flooder at its own cap: the honest sender is still heard, and stays heard.
    for (int i = 0; i < 50; i++) {
      assertThat(window.check(alice, id(i), now + 100, now + 100)).isEqualTo(ReplayWindow.Verdict.FRESH);
    }
    assertThat(window.remembered()).isEqualTo(1000);
    assertThat(limits).contains("replay_forgotten", "replay_per_sender");
    // What a flooder had forgotten to make room cannot be replayed: its floor refuses it.
    int forgotten = 0;
    for (int s = 0; s < 10; s++) {
      ReplayWindow.Verdict v = window.check(node(s), id(0), now, now + 100);
      assertThat(v).isIn(ReplayWindow.Verdict.REPLAYED, ReplayWindow.Verdict.FORGOTTEN);
      forgotten += v == ReplayWindow.Verdict.FORGOTTEN ? 1 : 0;
    }
    assertThat(forgotten).isPositive();
    // Nothing the honest sender sent was forgotten.
    for (int i = 0; i < 50; i++) {
      assertThat(window.check(alice, id(i), now + 100, now + 101)).isEqualTo(ReplayWindow.Verdict.REPLAYED);
    }
  }

  @Test
  void idsExpireInArrivalOrderAndTheirSendersAreForgottenWithThem() {
    ReplayWindow window = new ReplayWindow(WINDOW, 1000, 100, limit -> { });
    long now = 1_000_000_000L;
    // A sender whose clock runs a window ahead: still in the window when it arrives.
    for (int i = 0; i < 100; i++) {
      window.check(node(i % 7), id(i), now + i * 1000 + WINDOW, now + i * 1000);
    }
    // Twice the window after the 40th arrived, the first 40 are gone and the rest remembered.
    long later = now + 39 * 1000 + 2 * WINDOW + 1;
    assertThat(window.check(bob, id(-1), later, later)).isEqualTo(ReplayWindow.Verdict.FRESH);
    assertThat(window.remembered()).isEqualTo(100 - 40 + 1);
    assertThat(window.check(node(99 % 7), id(99), now + 99 * 1000 + WINDOW, later)).isEqualTo(ReplayWindow.Verdict.REPLAYED);
  }
}
