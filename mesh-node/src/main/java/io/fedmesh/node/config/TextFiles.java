package io.fedmesh.node.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the small text files a node is pointed at (its config, PEM keys, certificates, revocation
 * lists): only a regular file, and only up to a bound. A path to /dev/zero, a FIFO or a huge file is
 * refused with one line instead of hanging the node or exhausting its heap.
 */
public final class TextFiles {
  /** The config file: SnakeYAML is told the same bound. */
  public static final int CONFIG_BYTES = 1 << 20;
  /** PEM files: a CA bundle or a revocation list of a large consortium fits many times over. */
  public static final int PEM_BYTES = 16 << 20;

  private TextFiles() {}

  /** The UTF-8 text of {@code file}, a regular file of at most {@code maxBytes}. */
  public static String read(Path file, int maxBytes) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file + ": no such file");
    }
    if (!attributes.isRegularFile()) {
      throw new IOException(file + ": not a regular file");
    }
    if (attributes.size() > maxBytes) {
      throw new IOException(file + ": " + attributes.size() + " bytes, more than the " + maxBytes + " such a file may have");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(maxBytes + 1);
      if (bytes.length > maxBytes) {
        throw new IOException(file + ": grew past " + maxBytes + " bytes while being read");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
