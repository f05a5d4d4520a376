package io.fedmesh.node.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file so that a crash leaves either the old content or the new, never half: the bytes go
 * to a temporary file in the same directory, are forced to disk, and the file is renamed over the
 * target; then the directory is forced so the rename itself survives a power cut.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    write(target, bytes(content), false);
  }

  /** What writes a file's content, into the temporary file's channel. */
  @FunctionalInterface
  public interface Content {
    void writeTo(FileChannel out) throws IOException;
  }

  /**
   * Writes content that {@code content} streams into the temporary file (so it is never all in memory).
   * If it throws, the temporary file is deleted and the target left as it was.
   */
  public static void write(Path target, Content content) throws IOException {
    write(target, content, false);
  }

  private static Content bytes(byte[] content) {
    return out -> {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    };
  }

  /**
   * Writes a secret (a private key): the file is readable and writable by its owner only from the
   * moment it exists, never world-readable for an instant.
   */
  public static void writeOwnerOnly(Path target, byte[] content) throws IOException {
    write(target, bytes(content), true);
  }

  private static void write(Path target, Content content, boolean ownerOnly) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = ownerOnly
        ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    if (!ownerOnly) {
      // createTempFile makes owner-only files; ordinary files get the usual rw-r--r--.
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
    }
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        content.writeTo(out);
        out.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically on this file system", e);
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        // Some file systems cannot open a directory for syncing; the rename has still happened.
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  public static void writeString(Path target, String content) throws IOException {
    write(target, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
