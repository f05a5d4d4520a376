package io.fedmesh.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {
  private final NodeId alice = SigningKey.generate(SimulationRandom.fromSeed(1)).verifyingKey().nodeId();
  private final NodeId bob = SigningKey.generate(SimulationRandom.fromSeed(2)).verifyingKey().nodeId();

  @Test
  void aPeerSpendsItsBurstThenItsRateAndNobodyElsesAllowance() {
    TokenBuckets buckets = new TokenBuckets(10, 5);
    long t = 1_000_000_000L;
    for (int i = 0; i < 5; i++) {
      assertThat(buckets.tryTake(alice, t)).isTrue();
    }
    assertThat(buckets.tryTake(alice, t)).isFalse();
    assertThat(buckets.tryTake(bob, t)).isTrue();
    // 10 a second: one token every 100 ms, never more than the burst.
    assertThat(buckets.tryTake(alice, t + 99_000_000L)).isFalse();
    assertThat(buckets.tryTake(alice, t + 101_000_000L)).isTrue();
    long muchLater = t + 60_000_000_000L;
    for (int i = 0; i < 5; i++) {
      assertThat(buckets.tryTake(alice, muchLater)).isTrue();
    }
    assertThat(buckets.tryTake(alice, muchLater)).isFalse();
  }

  @Test
  void idlePeersAreDroppedOnceManyAreTracked() {
    TokenBuckets buckets = new TokenBuckets(1000, 1);
    long t = 0;
    for (int i = 0; i < TokenBuckets.MAX_TRACKED + 10; i++) {
      NodeId peer = NodeId.ofBytes(java.nio.ByteBuffer.allocate(NodeId.BYTES).putInt(i).array());
      assertThat(buckets.tryTake(peer, t += 1_000_000)).isTrue();
    }
    assertThat(buckets.tracked()).isLessThan(TokenBuckets.MAX_TRACKED);
  }
}
