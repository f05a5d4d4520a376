package io.fedmesh.coordinator.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.model.ModelSpec;
import org.junit.jupiter.api.Test;

class FederationSettingsTest {
  private static final NodeId COORDINATOR = NodeId.ofBytes(new byte[NodeId.BYTES]);

  @Test
  void settingsWithTheSameInputShapeAreEqualThoughTheArraysDiffer() {
    FederationSettings a = FederationSettings.defaults(COORDINATOR, ModelSpec.mlp(16), new int[] {1, 28, 28}, 10);
    FederationSettings b = FederationSettings.defaults(COORDINATOR, ModelSpec.mlp(16), new int[] {1, 28, 28}, 10);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(FederationSettings.defaults(COORDINATOR, ModelSpec.mlp(16), new int[] {784}, 10));
    assertThat(a.toString()).contains("inputShape=[1, 28, 28]");
  }

  @Test
  void aMissingModelIsRefusedWithAMessage() {
    assertThatThrownBy(() -> FederationSettings.defaults(COORDINATOR, null, new int[] {30}, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need a model");
  }
}
