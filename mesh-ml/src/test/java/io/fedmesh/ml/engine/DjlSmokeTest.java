package io.fedmesh.ml.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class DjlSmokeTest {
  @Test
  void pytorchLoadsOffline() {
    assertThat(Engine.getInstance().getEngineName()).isEqualTo("PyTorch");
    try (NDManager m = NDManager.newBaseManager()) {
      assertThat(m.create(new float[] {1, 2, 3}).sum().getFloat()).isEqualTo(6f);
    }
  }
}
