package io.fedmesh.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A brought TorchScript model against a swapped file, a path outside the config's directory and a wrong hash (issue 17). */
class TorchScriptRedTeamTest {
  @TempDir
  Path dir;

  @Test
  void aFileSwappedAfterTheConfigCheckIsRefusedBeforeLibtorchSeesIt() throws Exception {
    Path file = Files.write(dir.resolve("model.pt"), new byte[] {1, 2, 3});
    ModelSpec spec = ModelSpec.torchScript(file, TorchScriptFile.sha256Hex(new byte[] {1, 2, 3}));
    Files.write(file, new byte[] {6, 6, 6}); // swapped after the check
    assertThatThrownBy(() -> spec.torchScript().verifiedBytes()).hasMessageContaining("not the federation's model");
    // loadInto hashes the bytes it hands to libtorch (a private copy), so it fails the same way before any load.
    assertThatThrownBy(() -> spec.torchScript().loadInto(null)).hasMessageContaining("not the federation's model");
  }

  @Test
  void aPathOutsideTheConfigDirectoryIsOnlyTheHashAndNeverInTheDescription() throws Exception {
    Path config = Files.createDirectories(dir.resolve("conf"));
    Path outside = Files.write(dir.resolve("elsewhere.pt"), new byte[] {9, 9});
    String hash = TorchScriptFile.sha256Hex(new byte[] {9, 9});
    ModelSpec spec = ModelSpec.parse("torchscript:../elsewhere.pt#" + hash, config);
    assertThat(spec.describe()).doesNotContain("elsewhere").doesNotContain("..").contains(hash);
    // Any other file reached through the path (a secret, a device) is refused by its hash, its bytes never loaded.
    Path secret = Files.write(dir.resolve("secret"), "token".getBytes());
    assertThatThrownBy(() -> ModelSpec.parse("torchscript:../secret#" + hash, config))
        .hasMessageContaining("not the federation's model");
    assertThat(secret).exists();
  }

  @Test
  void aWrongOrMalformedHashIsRefused() throws Exception {
    Path file = Files.write(dir.resolve("model.pt"), new byte[] {1});
    assertThatThrownBy(() -> ModelSpec.torchScript(file, "0".repeat(64))).hasMessageContaining("expected " + "0".repeat(64));
    assertThatThrownBy(() -> ModelSpec.torchScript(file, "zz")).hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> ModelSpec.torchScript(dir.resolve("absent.pt"), "0".repeat(64))).hasMessageContaining("cannot read");
  }
}
