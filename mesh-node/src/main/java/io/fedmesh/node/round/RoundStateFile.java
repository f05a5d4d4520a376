package io.fedmesh.node.round;

import io.fedmesh.node.storage.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A few numbers a round role must not forget across a crash (a participant's last joined round, a
 * coordinator's last committed round and model), as a small properties file written atomically
 * (temporary file, fsync, rename). A file that does not parse is an error, never silently zero: a
 * participant that forgot its last round could be made to join a replayed one.
 */
final class RoundStateFile {
  private final Path file;

  RoundStateFile(Path file) {
    this.file = file;
  }

  Properties read() throws IOException {
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(file)));
    } catch (NoSuchFileException e) {
      return p;
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": not a round state file (" + e.getMessage() + ")", e);
    }
    return p;
  }

  long number(Properties p, String key) throws IOException {
    String v = p.getProperty(key, "0");
    try {
      long n = Long.parseLong(v.strip());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException(file + ": " + key + " is '" + v + "', expected a whole number >= 0");
    }
  }

  void write(String content) throws IOException {
    Files.createDirectories(file.getParent());
    AtomicFiles.writeString(file, content);
  }

  Path path() {
    return file;
  }
}
