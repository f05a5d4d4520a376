package io.fedmesh.deploy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** deploy/grafana/fedmesh.json, read: its panels' Prometheus queries, and those queries as Prometheus can run them. */
final class Dashboard {
  static final Path FILE = Tools.DEPLOY.resolve("grafana/fedmesh.json");
  private static final Pattern VARIABLE = Pattern.compile("\\$(\\w+)|\\$\\{(\\w+)(?::\\w+)?}");

  /** One query: the panel's title and id, the target's refId, and its PromQL as written in the JSON. */
  record Query(String panel, int panelId, String refId, String expr) {
    String where() {
      return "panel " + panelId + " '" + panel + "' query " + refId;
    }

    /** The PromQL with Grafana's variables replaced as Prometheus would see them for "All" selections. */
    String runnable(String rateInterval) {
      return substitute(expr, rateInterval);
    }
  }

  final JsonObject json;

  private Dashboard(JsonObject json) {
    this.json = json;
  }

  static Dashboard load() throws IOException {
    return parse(Files.readString(FILE, StandardCharsets.UTF_8));
  }

  static Dashboard parse(String text) {
    return new Dashboard(JsonParser.parseString(text).getAsJsonObject());
  }

  /** Every panel, rows' nested panels included. */
  List<JsonObject> panels() {
    List<JsonObject> all = new ArrayList<>();
    for (JsonElement e : json.getAsJsonArray("panels")) {
      JsonObject p = e.getAsJsonObject();
      all.add(p);
      if (p.has("panels")) {
        for (JsonElement nested : p.getAsJsonArray("panels")) {
          all.add(nested.getAsJsonObject());
        }
      }
    }
    return all;
  }

  List<Query> queries() {
    List<Query> queries = new ArrayList<>();
    for (JsonObject p : panels()) {
      JsonArray targets = p.has("targets") ? p.getAsJsonArray("targets") : new JsonArray();
      for (JsonElement t : targets) {
        JsonObject target = t.getAsJsonObject();
        queries.add(new Query(p.get("title").getAsString(), p.get("id").getAsInt(), target.get("refId").getAsString(),
            target.get("expr").getAsString()));
      }
    }
    return queries;
  }

  /** The template variables the dashboard defines. */
  List<String> variables() {
    List<String> names = new ArrayList<>();
    for (JsonElement v : json.getAsJsonObject("templating").getAsJsonArray("list")) {
      names.add(v.getAsJsonObject().get("name").getAsString());
    }
    return names;
  }

  /** The variables a query uses ($name or ${name}), Grafana's own ($__rate_interval, ...) included. */
  static List<String> variablesIn(String expr) {
    List<String> used = new ArrayList<>();
    Matcher m = VARIABLE.matcher(expr);
    while (m.find()) {
      used.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return used;
  }

  /**
   * Grafana's substitution for a Prometheus data source with every multi-value variable at "All"
   * (allValue {@code .*}, used with {@code =~}) and {@code job} at its default.
   */
  static String substitute(String expr, String rateInterval) {
    return expr.replace("$__rate_interval", rateInterval).replace("$__interval", rateInterval)
        .replace("$job", "fedmesh").replace("$federation", ".*").replace("$instance", ".*");
  }
}
