package io.fedmesh.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.round.ModelBlob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SCAFFOLD's client control variate on disk: absent before the first round, kept exactly, damage named. */
class LocalVectorFileTest {
  @TempDir
  Path dir;

  @Test
  void absentUntilWrittenThenReadBackExactly() throws IOException {
    LocalVectorFile file = new LocalVectorFile(dir.resolve("rounds/fed.scaffold-control"), "control variate");
    assertThat(file.read(3)).isEmpty();
    file.write(new float[] {0.25f, -1.5f, 3e-8f});
    assertThat(file.read(3)).hasValueSatisfying(c -> assertThat(c).containsExactly(0.25f, -1.5f, 3e-8f));
    try (var listing = Files.list(dir.resolve("rounds"))) {
      assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("fed.scaffold-control"); // no temp file left
    }
  }

  @Test
  void aFileOfTheWrongSizeOrWithNaNIsAnErrorNamingIt() throws IOException {
    Path path = dir.resolve("fed.scaffold-control");
    LocalVectorFile file = new LocalVectorFile(path, "control variate");
    Files.write(path, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> file.read(3)).isInstanceOf(IOException.class).hasMessageContaining(path.toString())
        .hasMessageContaining("not this model's control variate").hasMessageContaining("remove it");
    Files.write(path, ModelBlob.encode(new float[] {1, Float.NaN, 2}));
    assertThatThrownBy(() -> file.read(3)).isInstanceOf(IOException.class).hasMessageContaining("NaN");
    Files.write(path, ModelBlob.encode(new float[] {1, 2}));
    assertThatThrownBy(() -> file.read(3)).isInstanceOf(IOException.class);
  }
}
