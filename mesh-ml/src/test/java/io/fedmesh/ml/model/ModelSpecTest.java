package io.fedmesh.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.ml.train.LocalModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {
  @TempDir
  Path dir;

  @Test
  void shortFormsAndJsonGiveTheModelsTheySay() throws Exception {
    assertThat(ModelSpec.parse("mlp:256,64")).isEqualTo(new ModelSpec(ModelSpec.Type.MLP, List.of(256, 64), ModelSpec.Act.RELU, 0, List.of()));
    Path file = Files.writeString(dir.resolve("m.json"), "{\"type\": \"cnn\", \"filters\": [8], \"hidden\": [32], \"dropout\": 0.25, \"activation\": \"tanh\"}");
    ModelSpec cnn = ModelSpec.parse(file.toString());
    assertThat(cnn).isEqualTo(new ModelSpec(ModelSpec.Type.CNN, List.of(32), ModelSpec.Act.TANH, 0.25, List.of(8)));
    // conv 8 filters 5x5 on 1 channel (200 + 8), 14x14x8 = 1568 -> 32 (50176 + 32), 32 -> 10 (320 + 10).
    try (LocalModel m = new LocalModel(cnn, new int[] {1, 28, 28}, 10, 1)) {
      assertThat(m.layout().size()).isEqualTo(208 + 50_208 + 330);
    }
    try (LocalModel m = new LocalModel(ModelSpec.logistic(), new int[] {12}, 2, 1)) {
      assertThat(m.layout().size()).isEqualTo(26);
    }
  }

  @Test
  void badSpecsAreRefusedWithTheFieldNamed() {
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": \"mlp\", \"layers\": [3]}")).hasMessageContaining("unknown field 'layers'");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": \"rnn\"}")).hasMessageContaining("'rnn' is not one of [logistic, mlp, cnn, torchscript]");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"hidden\": [3]}")).hasMessageContaining("'type'");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": \"mlp\", \"hidden\": [1.5]}")).hasMessageContaining("integers");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": \"mlp\", \"dropout\": 1}")).hasMessageContaining("dropout must be in [0, 1)");
    assertThatThrownBy(() -> ModelSpec.fromJson("[1]")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> ModelSpec.fromJson("{\"type\": ")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ModelSpec.parse("mlp:12,x")).hasMessageContaining("'x' is not a layer width");
    assertThatThrownBy(() -> ModelSpec.parse("/no/such.json")).hasMessageContaining("/no/such.json: cannot read it");
    assertThatThrownBy(() -> ModelSpec.cnn().build(new int[] {784}, 10)).hasMessageContaining("a cnn needs images");
  }
}
