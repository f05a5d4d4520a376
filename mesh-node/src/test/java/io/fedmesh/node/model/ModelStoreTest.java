package io.fedmesh.node.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content-addressed model store on a real file system. */
class ModelStoreTest {
  @TempDir
  Path dir;

  private static final byte[] BLOB = "the weights of a global model".getBytes();
  private static final String MANIFEST = "layer0/weight [8, 12] 0\n";

  @Test
  void aModelIsStoredAndFoundByTheSha256OfItsBlob() throws Exception {
    ModelStore store = new ModelStore(dir.resolve("models"), 1 << 20);
    String id = store.put(BLOB, MANIFEST);

    assertThat(id).isEqualTo(ModelStore.idOf(BLOB)).matches(ModelStore.ID);
    assertThat(store.put(BLOB, MANIFEST)).isEqualTo(id); // again: the same id, nothing new
    ModelStore.StoredModel got = store.get(id).orElseThrow();
    assertThat(got.blob()).isEqualTo(BLOB);
    assertThat(got.manifest()).isEqualTo(MANIFEST);
    assertThat(store.list()).containsExactly(id);
    // A restarted node finds it: the store is only files.
    assertThat(new ModelStore(dir.resolve("models"), 1 << 20).get(id)).isPresent();
    try (Stream<Path> files = Files.list(dir.resolve("models"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(id + ".bin", id + ".manifest");
    }
  }

  @Test
  void aBlobThatDoesNotHashToTheExpectedIdIsRefusedAndNothingIsWritten() throws Exception {
    ModelStore store = new ModelStore(dir.resolve("models"), 1 << 20);
    String expected = ModelStore.idOf(BLOB);
    byte[] altered = BLOB.clone();
    altered[0] ^= 1;

    assertThatThrownBy(() -> store.putVerified(expected, altered, MANIFEST))
        .isInstanceOf(ModelStoreException.class).hasMessageContaining("not the expected " + expected);
    assertThat(store.list()).isEmpty();
    assertThat(store.putVerified(expected, BLOB, MANIFEST)).isEqualTo(expected);
  }

  @Test
  void aBlobDamagedOnDiskIsReportedNeverHandedOutAndAGoodCopyRepairsIt() throws Exception {
    ModelStore store = new ModelStore(dir.resolve("models"), 1 << 20);
    String id = store.put(BLOB, MANIFEST);
    Path blob = dir.resolve("models").resolve(id + ".bin");
    byte[] bytes = Files.readAllBytes(blob);
    bytes[3] ^= 1;
    Files.write(blob, bytes);

    assertThatThrownBy(() -> store.get(id)).isInstanceOf(ModelStoreException.class).hasMessageContaining("damaged");
    assertThat(store.put(BLOB, MANIFEST)).isEqualTo(id);
    assertThat(store.get(id).orElseThrow().blob()).isEqualTo(BLOB);
  }

  @Test
  void hostileIdsAndSizesAreRefusedBeforeTheyTouchAPath() throws Exception {
    ModelStore store = new ModelStore(dir.resolve("models"), 16);
    for (String id : new String[] {"../../etc/passwd", "", "ABCD".repeat(16), "a".repeat(63), "a".repeat(65), null}) {
      assertThatThrownBy(() -> store.get(id)).isInstanceOf(ModelStoreException.class).hasMessageContaining("64 lowercase hex");
    }
    assertThatThrownBy(() -> store.put(new byte[17], MANIFEST)).isInstanceOf(ModelStoreException.class).hasMessageContaining("1 to 16");
    assertThatThrownBy(() -> store.put(new byte[0], MANIFEST)).isInstanceOf(ModelStoreException.class);
    assertThatThrownBy(() -> store.put(new byte[4], " ")).isInstanceOf(ModelStoreException.class).hasMessageContaining("manifest");
    assertThat(store.get("a".repeat(64))).isEmpty();
  }

  @Test
  void aBlobLeftWithoutItsManifestByACrashIsNotAModel() throws Exception {
    ModelStore store = new ModelStore(dir.resolve("models"), 1 << 20);
    String id = ModelStore.idOf(BLOB);
    Files.createDirectories(dir.resolve("models"));
    Files.write(dir.resolve("models").resolve(id + ".bin"), BLOB); // the crash came between the two writes
    Files.writeString(dir.resolve("models").resolve(".stray.tmp"), "half");

    assertThat(store.list()).isEmpty();
    assertThat(store.get(id)).isEmpty();
    assertThat(store.put(BLOB, MANIFEST)).isEqualTo(id);
    assertThat(store.list()).containsExactly(id);
  }
}
