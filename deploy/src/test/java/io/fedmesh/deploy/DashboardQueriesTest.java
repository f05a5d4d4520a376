package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/grafana/fedmesh.json without Grafana: every query, with {@code $__rate_interval} and the template
 * variables substituted, passes {@code promtool check rules} as a recording rule; and the JSON hangs together
 * (unique panel ids, the grid, variables defined, the data source a variable).
 */
class DashboardQueriesTest {
  @Test
  void everyQueryIsValidPromQl(@TempDir Path tmp) throws Exception {
    List<Dashboard.Query> queries = Dashboard.load().queries();
    assertThat(queries).hasSizeGreaterThan(20);
    Path rules = Files.writeString(tmp.resolve("dashboard.yml"), recordingRules(queries, "1m"));
    Tools.Result r = Tools.run(tmp, Duration.ofSeconds(60), Tools.promtool().toString(), "check", "rules", rules.toString());
    assertThat(r.ok()).as("promtool check rules on the dashboard's queries (rule N is query N below):\n" + r.output() + "\n"
        + numbered(queries)).isTrue();
    assertThat(r.output()).contains(queries.size() + " rules found");
  }

  /** The queries as one group of recording rules, {@code dashboard:panel_<id>_<refId>}, in order. */
  static String recordingRules(List<Dashboard.Query> queries, String rateInterval) {
    StringBuilder y = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (Dashboard.Query q : queries) {
      y.append("      - record: dashboard:panel_").append(q.panelId()).append('_').append(q.refId()).append('\n')
          .append("        expr: ").append(new JsonPrimitive(q.runnable(rateInterval))).append('\n');
    }
    return y.toString();
  }

  static String numbered(List<Dashboard.Query> queries) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < queries.size(); i++) {
      s.append(i + 1).append(". ").append(queries.get(i).where()).append(": ").append(queries.get(i).expr()).append('\n');
    }
    return s.toString();
  }

  @Test
  void theDashboardHangsTogether() throws Exception {
    Dashboard d = Dashboard.load();
    assertThat(d.json.get("uid").getAsString()).isEqualTo("fedmesh");
    Set<Integer> ids = new HashSet<>();
    for (JsonObject p : d.panels()) {
      assertThat(ids.add(p.get("id").getAsInt())).as("panel id " + p.get("id") + " used twice").isTrue();
      JsonObject grid = p.getAsJsonObject("gridPos");
      assertThat(grid.get("x").getAsInt() + grid.get("w").getAsInt()).as(p.get("title") + " fits the 24-column grid").isLessThanOrEqualTo(24);
      if (p.has("targets")) {
        Set<String> refIds = new HashSet<>();
        for (JsonElement t : p.getAsJsonArray("targets")) {
          JsonObject target = t.getAsJsonObject();
          assertThat(refIds.add(target.get("refId").getAsString())).as(p.get("title") + ": refId used twice").isTrue();
          assertThat(target.getAsJsonObject("datasource").get("uid").getAsString()).isEqualTo("${datasource}");
        }
      }
    }
    List<String> defined = d.variables();
    for (Dashboard.Query q : d.queries()) {
      for (String v : Dashboard.variablesIn(q.expr())) {
        assertThat(v.startsWith("__") || defined.contains(v)).as(q.where() + " uses $" + v + ", which the dashboard does not define")
            .isTrue();
      }
      assertThat(Dashboard.variablesIn(q.runnable("1m"))).as(q.where() + " after substitution").isEmpty();
    }
  }

  /** A broken query fails the check above (so a green run means something). */
  @Test
  void aBrokenQueryFails(@TempDir Path tmp) throws Exception {
    List<Dashboard.Query> broken = List.of(new Dashboard.Query("broken", 1, "A",
        "sum by (phase) (rate(fedmesh_round_phase_duration_seconds_sum{job=\"$job\"}[$__rate_interval])"));
    Path rules = Files.writeString(tmp.resolve("dashboard.yml"), recordingRules(broken, "1m"));
    assertThat(Tools.run(tmp, Duration.ofSeconds(60), Tools.promtool().toString(), "check", "rules", rules.toString()).ok()).isFalse();
  }
}
