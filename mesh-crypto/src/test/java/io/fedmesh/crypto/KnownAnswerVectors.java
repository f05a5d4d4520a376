package io.fedmesh.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the known-answer vector files under src/test/resources/kat: blocks of {@code key = value}
 * lines separated by blank lines, each starting with {@code name}; '#' starts a comment.
 * (kat/VERIFY.py re-checks every vector against an independent implementation.)
 */
public final class KnownAnswerVectors {
  private KnownAnswerVectors() {}

  /** One vector: its fields by name, values as written. */
  public record Vector(Map<String, String> fields) {
    public String name() {
      return fields.get("name");
    }

    public byte[] hex(String key) {
      String v = fields.get(key);
      if (v == null) {
        throw new IllegalArgumentException(name() + " has no field " + key);
      }
      return HexFormat.of().parseHex(v);
    }

    public String text(String key) {
      return fields.get(key);
    }

    public boolean has(String key) {
      return fields.containsKey(key);
    }

    @Override
    public String toString() {
      return name();
    }
  }

  public static List<Vector> load(String file) {
    try (InputStream in = KnownAnswerVectors.class.getResourceAsStream("/kat/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no vector file kat/" + file);
      }
      List<Vector> out = new ArrayList<>();
      Map<String, String> block = new LinkedHashMap<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
        line = line.strip();
        if (line.startsWith("#")) {
          continue;
        }
        if (line.isEmpty()) {
          if (!block.isEmpty()) {
            out.add(new Vector(block));
            block = new LinkedHashMap<>();
          }
          continue;
        }
        int eq = line.indexOf('=');
        block.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
      if (!block.isEmpty()) {
        out.add(new Vector(block));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The vectors of {@code file} whose names start with {@code prefix}; fails if there are none. */
  public static List<Vector> load(String file, String prefix) {
    List<Vector> out = load(file).stream().filter(v -> v.name().startsWith(prefix)).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no vectors named " + prefix + "* in " + file);
    }
    return out;
  }
}
