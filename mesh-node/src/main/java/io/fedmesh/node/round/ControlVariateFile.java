package io.fedmesh.node.round;

import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A SCAFFOLD participant's control variate c_i, kept in its data directory across rounds and restarts:
 * little-endian float32, written atomically. A file of the wrong size or with a non-finite value is an
 * error that names the file, never a silent restart from zero (which would skew the server's average).
 */
final class ControlVariateFile {
  private final Path file;

  ControlVariateFile(Path file) {
    this.file = file;
  }

  /** The kept control variate, or empty before the first committed SCAFFOLD round. */
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
      throw new IOException(file + ": not this model's control variate (" + e.getMessage() + "); remove it to start"
          + " from zero", e);
    }
  }

  void write(float[] control) throws IOException {
    Files.createDirectories(file.getParent());
    AtomicFiles.write(file, ModelBlob.encode(control));
  }
}
