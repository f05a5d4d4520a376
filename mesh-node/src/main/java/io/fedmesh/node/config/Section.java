package io.fedmesh.node.config;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoublePredicate;

/**
 * One mapping of a config file and where it is ({@code federations.card-fraud.rounds}): typed reads that
 * add a problem naming the field ("expected ..., got ...") and return the default instead of throwing, so
 * that one pass finds every problem. An absent or malformed section reads as empty.
 */
final class Section {
  private final String path;
  private final Map<String, Object> values;
  private final List<String> problems;

  private Section(String path, Map<String, Object> values, List<String> problems) {
    this.path = path;
    this.values = values;
    this.problems = problems;
  }

  /** {@code value} as a section at {@code path}: a problem if it is there but not a mapping. */
  @SuppressWarnings("unchecked")
  static Section of(Object value, String path, List<String> problems) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (value instanceof Map<?, ?> m) {
      ((Map<Object, Object>) m).forEach((k, v) -> out.put(String.valueOf(k), v));
    } else if (value != null) {
      problems.add(path + ": expected a mapping (key: value lines), got " + describe(value));
    }
    return new Section(path, out, problems);
  }

  /** Adds a problem for every key not in {@code known}; returns this. */
  Section known(Set<String> known) {
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        problems.add(at(key) + ": unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
    return this;
  }

  String path() {
    return path;
  }

  /** The path of {@code key} in this section. */
  String at(String key) {
    return path + "." + key;
  }

  boolean has(String key) {
    return values.get(key) != null;
  }

  /** True if {@code key} is written, even with no value ({@code rounds:} alone). */
  boolean present(String key) {
    return values.containsKey(key);
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  Set<String> keys() {
    return values.keySet();
  }

  Object raw(String key) {
    return values.get(key);
  }

  /** The nested section {@code key} (empty if absent). */
  Section section(String key) {
    return of(values.get(key), at(key), problems);
  }

  void problem(String key, String text) {
    problems.add(at(key) + ": " + text);
  }

  /** Adds "required" problems for the keys that are absent; true if all are there. */
  boolean require(String... keys) {
    boolean all = true;
    for (String key : keys) {
      if (!has(key)) {
        problems.add(at(key) + ": required");
        all = false;
      }
    }
    return all;
  }

  /** A whole number in [min, max]. */
  long whole(String key, long otherwise, long min, long max) {
    Object v = values.get(key);
    if (v == null) {
      return otherwise;
    }
    Long n = null;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof BigInteger b && b.bitLength() < 64) {
      n = b.longValue();
    } else if (v instanceof String s) {
      try {
        n = Long.parseLong(s.strip());
      } catch (NumberFormatException e) {
        n = null;
      }
    }
    if (n == null || n < min || n > max) {
      problems.add(at(key) + ": expected a whole number from " + min + " to " + max + ", got " + describe(v));
      return otherwise;
    }
    return n;
  }

  int integer(String key, int otherwise, int min, int max) {
    return (int) whole(key, otherwise, min, max);
  }

  /** A number that {@code ok} accepts; {@code expected} says which ("a number in (0, 1]"). */
  double number(String key, double otherwise, String expected, DoublePredicate ok) {
    Object v = values.get(key);
    if (v == null) {
      return otherwise;
    }
    double d = Double.NaN;
    if (v instanceof Number n) {
      d = n.doubleValue();
    } else if (v instanceof String s) {
      try {
        d = Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        d = Double.NaN;
      }
    }
    if (!Double.isFinite(d) || !ok.test(d)) {
      problems.add(at(key) + ": expected " + expected + ", got " + describe(v));
      return otherwise;
    }
    return d;
  }

  boolean bool(String key, boolean otherwise) {
    Object v = values.get(key);
    if (v == null) {
      return otherwise;
    }
    if (!(v instanceof Boolean b)) {
      problems.add(at(key) + ": expected true or false, got " + describe(v));
      return otherwise;
    }
    return b;
  }

  /** A non-blank string (YAML scalars of other types are taken as written: {@code model: 1} is "1"). */
  String text(String key, String otherwise) {
    Object v = values.get(key);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof List || v instanceof Map || String.valueOf(v).isBlank()) {
      problems.add(at(key) + ": expected a word or a path, got " + describe(v));
      return otherwise;
    }
    return String.valueOf(v).strip();
  }

  /** A node id (64 hex digits), or null after a problem. */
  NodeId nodeId(String key) {
    return nodeId(values.get(key), at(key), problems);
  }

  static NodeId nodeId(Object v, String where, List<String> problems) {
    try {
      return NodeId.ofHex(String.valueOf(v));
    } catch (CryptoException e) {
      problems.add(where + ": not a node id (64 hex digits, as 'fedmesh keys init' prints), got " + describe(v));
      return null;
    }
  }

  /** A list (empty if absent), or a problem if the value is something else. */
  List<?> list(String key, String expected) {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      problems.add(at(key) + ": expected " + expected + ", got " + describe(v));
      return List.of();
    }
    return l;
  }

  static String describe(Object value) {
    return value == null ? "nothing" : value instanceof List ? "a list" : value instanceof Map ? "a mapping" : "'" + value + "'";
  }
}
