package io.fedmesh.node.round;

import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A vector a participant keeps in its data directory across rounds and restarts (SCAFFOLD's control
 * variate c_i, a personalising participant's own model): little-endian float32, written atomically. A
 * file of the wrong size or with a non-finite value is an error that names the file, never a silent
 * restart from zero (which would skew SCAFFOLD's average, or drop a participant's private layers).
 */
final class LocalVectorFile {
  private final Path file;
  private final String what;

  /** @param what what the file holds, for errors ("control variate") */
  LocalVectorFile(Path file, String what) {
    this.file = file;
    this.what = what;
  }

  /** The kept vector, or empty before the first committed round that made one. */
  Optional<float[]> read(int length) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(ModelBlob.decode(bytes, length));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": not this model's " + what + " (" + e.getMessage() + "); remove it to start"
          + " from zero", e);
    }
  }

  void write(float[] control) throws IOException {
    Files.createDirectories(file.getParent());
    AtomicFiles.write(file, ModelBlob.encode(control));
  }
}
