package io.fedmesh.ml.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A model described in a few words, so a federation can agree on it by value: logistic regression,
 * an MLP (hidden layer widths, activation, dropout), a small CNN for 28x28 images (conv 5x5 + max
 * pool 2x2 per filter count, then the hidden layers), or a TorchScript file exported from PyTorch and
 * named by its SHA-256 ({@link TorchScriptFile}). Input shape and class count come from the data.
 *
 * <p>JSON form, every field but {@code type} optional for the built-in models:
 * {@code {"type": "mlp", "hidden": [128], "activation": "relu", "dropout": 0.0}},
 * {@code {"type": "cnn", "filters": [16, 32], "hidden": [64], "dropout": 0.25}},
 * {@code {"type": "logistic"}}, and, both fields required,
 * {@code {"type": "torchscript", "file": "model.pt", "sha256": "<64 hex digits>"}} (a relative {@code file}
 * is relative to the directory of the JSON file naming it). Short form on the command line: {@code logistic},
 * {@code mlp}, {@code mlp:256,128}, {@code cnn}, {@code torchscript:PATH#SHA256} (a relative PATH is relative
 * to the base directory given to {@link #parse(String, Path)}: the working directory on the command line, the
 * config file's directory in a node config).
 *
 * @param torchScript the file of a {@link Type#TORCHSCRIPT} model, null for every other type
 */
public record ModelSpec(Type type, List<Integer> hidden, Act activation, double dropout, List<Integer> filters,
    TorchScriptFile torchScript) {

  /** The kind of model. */
  public enum Type { LOGISTIC, MLP, CNN, TORCHSCRIPT }

  /** Hidden-layer activation. */
  public enum Act { RELU, TANH, SIGMOID, GELU }

  private static final Set<String> FIELDS = Set.of("type", "hidden", "activation", "dropout", "filters");
  private static final Set<String> TORCHSCRIPT_FIELDS = Set.of("type", "file", "sha256");
  private static final String TORCHSCRIPT_PREFIX = "torchscript:";
  private static final int MAX_WIDTH = 1 << 16;

  public ModelSpec {
    hidden = List.copyOf(hidden);
    filters = List.copyOf(filters);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    for (int w : hidden) {
      if (w < 1 || w > MAX_WIDTH) {
        throw new IllegalArgumentException("hidden layer widths must be in [1, " + MAX_WIDTH + "], got " + w);
      }
    }
    for (int f : filters) {
      if (f < 1 || f > 1024) {
        throw new IllegalArgumentException("filter counts must be in [1, 1024], got " + f);
      }
    }
    if (type == Type.LOGISTIC && (!hidden.isEmpty() || !filters.isEmpty())) {
      throw new IllegalArgumentException("logistic regression has no hidden layers or filters");
    }
    if (type != Type.CNN && !filters.isEmpty()) {
      throw new IllegalArgumentException("only a cnn has filters");
    }
    if (type == Type.CNN && filters.isEmpty()) {
      throw new IllegalArgumentException("a cnn needs at least one filter count");
    }
    if ((type == Type.TORCHSCRIPT) != (torchScript != null)) {
      throw new IllegalArgumentException(type == Type.TORCHSCRIPT ? "a torchscript model needs its file and SHA-256"
          : "only a torchscript model has a file");
    }
    if (type == Type.TORCHSCRIPT && (!hidden.isEmpty() || dropout != 0)) {
      // The file is the whole model: a layer list here would describe something the federation does not train.
      throw new IllegalArgumentException("a torchscript model has no hidden layers, filters or dropout of its own");
    }
  }

  /** A built-in model (logistic, mlp or cnn). */
  public ModelSpec(Type type, List<Integer> hidden, Act activation, double dropout, List<Integer> filters) {
    this(type, hidden, activation, dropout, filters, null);
  }

  public static ModelSpec logistic() {
    return new ModelSpec(Type.LOGISTIC, List.of(), Act.RELU, 0, List.of());
  }

  public static ModelSpec mlp(int... hidden) {
    return new ModelSpec(Type.MLP, java.util.Arrays.stream(hidden).boxed().toList(), Act.RELU, 0, List.of());
  }

  public static ModelSpec cnn() {
    return new ModelSpec(Type.CNN, List.of(64), Act.RELU, 0, List.of(16, 32));
  }

  /**
   * A TorchScript model: {@code file}, whose SHA-256 must be {@code sha256}. The file is read and its hash
   * checked now, so a wrong file is refused where it is named (and checked again when it is loaded).
   *
   * @throws IllegalArgumentException if the hash is malformed, the file unreadable or its hash another
   */
  public static ModelSpec torchScript(Path file, String sha256) {
    TorchScriptFile ts = new TorchScriptFile(file, sha256);
    ts.verifiedBytes();
    return new ModelSpec(Type.TORCHSCRIPT, List.of(), Act.RELU, 0, List.of(), ts);
  }

  /** {@link #parse(String, Path)} with relative paths taken from the working directory. */
  public static ModelSpec parse(String text) {
    return parse(text, Path.of(""));
  }

  /**
   * A spec from the command line or a config: a path to a JSON file, or a short form. A relative path (the
   * JSON file's, or a short form's TorchScript file) is resolved against {@code base}; a TorchScript file
   * named inside a JSON spec is resolved against that JSON file's directory.
   *
   * @throws IllegalArgumentException naming what is wrong (unknown type or field, bad number, unreadable file,
   *     a TorchScript file whose SHA-256 is not the one given)
   */
  public static ModelSpec parse(String text, Path base) {
    String t = text.strip();
    // Before the file test below: a short form's path may hold a '/'.
    if (t.regionMatches(true, 0, TORCHSCRIPT_PREFIX, 0, TORCHSCRIPT_PREFIX.length())) {
      String rest = t.substring(TORCHSCRIPT_PREFIX.length());
      int hash = rest.lastIndexOf('#');
      if (hash <= 0) {
        throw new IllegalArgumentException("model '" + text + "': the short form is torchscript:PATH#SHA256");
      }
      return torchScript(base.resolve(rest.substring(0, hash)), rest.substring(hash + 1));
    }
    if (t.endsWith(".json") || t.contains("/")) {
      Path file = base.resolve(t);
      try {
        return fromJson(Files.readString(file), file.toAbsolutePath().getParent());
      } catch (IOException e) {
        throw new IllegalArgumentException("model spec " + file + ": cannot read it (" + e.getMessage() + ")");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("model spec " + file + ": " + e.getMessage());
      }
    }
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.equals("logistic")) {
      return logistic();
    }
    if (lower.equals("cnn")) {
      return cnn();
    }
    if (lower.equals("mlp")) {
      return mlp(128);
    }
    if (lower.startsWith("mlp:")) {
      List<Integer> widths = new ArrayList<>();
      for (String w : lower.substring(4).split(",")) {
        try {
          widths.add(Integer.parseInt(w.strip()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("model '" + text + "': '" + w + "' is not a layer width");
        }
      }
      return new ModelSpec(Type.MLP, widths, Act.RELU, 0, List.of());
    }
    throw new IllegalArgumentException("model '" + text + "' is not logistic, mlp, mlp:W1,W2,..., cnn, "
        + "torchscript:PATH#SHA256 or a .json spec file");
  }

  /** {@link #fromJson(String, Path)} with a TorchScript file's relative path taken from the working directory. */
  public static ModelSpec fromJson(String json) {
    return fromJson(json, Path.of(""));
  }

  /**
   * A spec from its JSON form; a relative TorchScript {@code file} is resolved against {@code base}.
   *
   * @throws IllegalArgumentException for malformed JSON, unknown fields, values out of range, or a TorchScript
   *     file that cannot be read or whose SHA-256 is not the one given
   */
  public static ModelSpec fromJson(String json, Path base) {
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(json);
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException("a model spec is a JSON object");
      }
      o = e.getAsJsonObject();
    } catch (JsonSyntaxException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
    }
    if (!o.has("type")) {
      throw new IllegalArgumentException("field 'type' (logistic, mlp, cnn or torchscript) is required");
    }
    Type type = enumValue(Type.class, o.get("type"), "type");
    Set<String> known = type == Type.TORCHSCRIPT ? TORCHSCRIPT_FIELDS : FIELDS;
    for (String key : o.keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown field '" + key + "' for a " + type.name().toLowerCase(Locale.ROOT)
            + " model (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
    if (type == Type.TORCHSCRIPT) {
      if (!o.has("file") || !o.has("sha256")) {
        throw new IllegalArgumentException("a torchscript model needs both 'file' and 'sha256' (the file's SHA-256, "
            + "which every participant checks)");
      }
      return torchScript(base.resolve(string(o.get("file"), "file")), string(o.get("sha256"), "sha256"));
    }
    List<Integer> hidden = ints(o, "hidden", type == Type.MLP ? List.of(128) : type == Type.CNN ? List.of(64) : List.of());
    List<Integer> filters = ints(o, "filters", type == Type.CNN ? List.of(16, 32) : List.of());
    Act act = o.has("activation") ? enumValue(Act.class, o.get("activation"), "activation") : Act.RELU;
    double dropout = o.has("dropout") ? number(o.get("dropout"), "dropout") : 0;
    return new ModelSpec(type, hidden, act, dropout, filters);
  }

  /**
   * The DJL block for inputs of {@code sampleShape} and {@code classes} outputs (logits).
   *
   * @throws IllegalStateException for a TorchScript model, which is loaded into a model, not built
   *     ({@link TorchScriptFile#loadInto})
   */
  public Block build(int[] sampleShape, int classes) {
    if (type == Type.TORCHSCRIPT) {
      throw new IllegalStateException("a torchscript model is loaded from its file (TorchScriptFile.loadInto), not built");
    }
    SequentialBlock net = new SequentialBlock();
    if (type == Type.CNN) {
      if (sampleShape.length != 3) {
        throw new IllegalArgumentException("a cnn needs images (channels x height x width), the data has shape "
            + java.util.Arrays.toString(sampleShape));
      }
      for (int f : filters) {
        net.add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).setFilters(f).build());
        net.add(activationBlock());
        net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
      }
    }
    net.add(Blocks.batchFlattenBlock());
    for (int width : hidden) {
      net.add(Linear.builder().setUnits(width).build());
      net.add(activationBlock());
      if (dropout > 0) {
        net.add(Dropout.builder().optRate((float) dropout).build());
      }
    }
    net.add(Linear.builder().setUnits(classes).build());
    return net;
  }

  /**
   * A short description for reports, "mlp 128 relu", and the model's identity in a round plan: every
   * participant compares the plan's to its own. A TorchScript model is described by its hash alone, never
   * its path, so participants holding the same file in different places agree and one holding another
   * file does not.
   */
  public String describe() {
    return switch (type) {
      case TORCHSCRIPT -> "torchscript sha256=" + torchScript.sha256();
      case LOGISTIC -> "logistic regression";
      case MLP -> "mlp " + hidden + " " + activation.name().toLowerCase(Locale.ROOT) + (dropout > 0 ? " dropout " + dropout : "");
      case CNN -> "cnn filters " + filters + " hidden " + hidden + (dropout > 0 ? " dropout " + dropout : "");
    };
  }

  private Block activationBlock() {
    return switch (activation) {
      case RELU -> Activation.reluBlock();
      case TANH -> Activation.tanhBlock();
      case SIGMOID -> Activation.sigmoidBlock();
      case GELU -> Activation.geluBlock();
    };
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, JsonElement e, String field) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException("field '" + field + "' must be a string");
    }
    try {
      return Enum.valueOf(type, e.getAsString().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException x) {
      throw new IllegalArgumentException("field '" + field + "': '" + e.getAsString() + "' is not one of "
          + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
    }
  }

  private static String string(JsonElement e, String field) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException("field '" + field + "' must be a string");
    }
    return e.getAsString();
  }

  private static double number(JsonElement e, String field) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException("field '" + field + "' must be a number");
    }
    return e.getAsDouble();
  }

  private static List<Integer> ints(JsonObject o, String field, List<Integer> otherwise) {
    if (!o.has(field)) {
      return otherwise;
    }
    if (!o.get(field).isJsonArray()) {
      throw new IllegalArgumentException("field '" + field + "' must be an array of integers");
    }
    List<Integer> out = new ArrayList<>();
    for (JsonElement e : o.get(field).getAsJsonArray()) {
      double v = number(e, field);
      if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("field '" + field + "' must hold integers, got " + e);
      }
      out.add((int) v);
    }
    return out;
  }
}
