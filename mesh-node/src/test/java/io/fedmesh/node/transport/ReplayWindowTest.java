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
}
