package io.fedmesh.node.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  @Test
  void delaysDoubleWithJitterUpToTheCapAndStartOverAfterAReset() {
    ReconnectBackoff backoff = new ReconnectBackoff(250, 4000, new Random(1));
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      delays.add(backoff.nextDelayMillis());
    }
    long[] ceilings = {250, 500, 1000, 2000, 4000, 4000, 4000, 4000};
    for (int i = 0; i < ceilings.length; i++) {
      // Equal jitter: between half the ceiling and the ceiling, never above the cap.
      assertThat(delays.get(i)).as("attempt %d", i).isBetween(ceilings[i] / 2, ceilings[i]);
    }
    backoff.reset();
    assertThat(backoff.nextDelayMillis()).isBetween(125L, 250L);
  }

  @Test
  void nodesThatLostTheSameRelayDoNotAllRedialAtOnce() {
    List<Long> firstRetries = new ArrayList<>();
    for (int node = 0; node < 50; node++) {
      ReconnectBackoff backoff = new ReconnectBackoff(1000, 1000, new Random(node * 0x9E3779B97F4A7C15L));
      firstRetries.add(backoff.nextDelayMillis());
    }
    assertThat(firstRetries.stream().distinct().count()).isGreaterThan(40);
    assertThat(firstRetries.stream().mapToLong(Long::longValue).max().getAsLong()
        - firstRetries.stream().mapToLong(Long::longValue).min().getAsLong()).isGreaterThan(300);
  }

  @Test
  void nonsenseBoundsAreRefused() {
    assertThatThrownBy(() -> new ReconnectBackoff(0, 10, new Random())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReconnectBackoff(100, 10, new Random())).isInstanceOf(IllegalArgumentException.class);
  }
}
