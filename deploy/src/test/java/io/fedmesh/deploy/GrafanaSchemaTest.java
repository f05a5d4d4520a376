package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/fedmesh.json type-checked with {@code tsc} against Grafana's published dashboard types (npm
 * {@code @grafana/schema}, versions pinned in deploy/grafana/package-lock.json, installed with {@code npm ci}
 * into target/grafana-check). The JSON becomes an object literal typed {@code FedmeshDashboard}
 * (deploy/grafana/dashboard-types.ts), so wrong types, missing required fields and unknown fields fail. A copy
 * broken on purpose is checked in the same run and must fail, so a green run means something.
 */
class GrafanaSchemaTest {
  static final Path GRAFANA = Tools.DEPLOY.resolve("grafana");
  static final Path WORK = Tools.DEPLOY.resolve("target/grafana-check");

  @Test
  void theDashboardHasGrafanasTypes() throws Exception {
    Path node = Tools.require("node", "the Debian package 'nodejs'");
    Path npm = Tools.require("npm", "the Debian package 'npm'");
    Files.createDirectories(WORK.resolve("build"));
    for (String f : new String[] {"package.json", "package-lock.json", "tsconfig.json", "dashboard-types.ts"}) {
      Files.copy(GRAFANA.resolve(f), WORK.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    // npm ci again only when the lock changed since the last install here (a stamp: the lock it installed).
    Path stamp = WORK.resolve("node_modules/.fedmesh-installed-lock.json");
    Path tsc = WORK.resolve("node_modules/typescript/bin/tsc");
    String lock = Files.readString(GRAFANA.resolve("package-lock.json"));
    if (!Files.exists(tsc) || !Files.exists(stamp) || !Files.readString(stamp).equals(lock)) {
      Tools.Result ci = Tools.run(WORK, Duration.ofMinutes(3), npm.toString(), "ci", "--no-audit", "--no-fund", "--ignore-scripts");
      assertThat(ci.ok()).as("npm ci in " + WORK + " (the npm registry, or ~/.npm's cache, must be reachable):\n" + ci.output()).isTrue();
      Files.writeString(stamp, lock);
    }
    String dashboard = Files.readString(Dashboard.FILE, StandardCharsets.UTF_8);
    Files.writeString(WORK.resolve("build/dashboard-check.ts"), typed(dashboard));
    // Broken on purpose: a grid width as a string, and a misspelt query field.
    String broken = dashboard.replaceFirst("\"w\": (\\d+)", "\"w\": \"$1\"").replaceFirst("\"legendFormat\"", "\"legendFormt\"");
    assertThat(broken).isNotEqualTo(dashboard);
    Files.writeString(WORK.resolve("build/broken-check.ts"), typed(broken));

    Tools.Result r = Tools.run(WORK, Duration.ofMinutes(2), node.toString(), tsc.toString(), "-p", "tsconfig.json", "--pretty", "false");
    String[] lines = r.output().split("\n");
    assertThat(Arrays.stream(lines).filter(l -> !l.startsWith("build/broken-check.ts") && !l.startsWith("  ") && !l.isBlank()))
        .as("tsc on deploy/grafana/fedmesh.json (build/dashboard-check.ts is the JSON, from its line 3):\n" + r.output())
        .isEmpty();
    assertThat(r.output()).as("tsc must refuse the broken copy").contains("build/broken-check.ts")
        .contains("Type 'string' is not assignable to type 'number'").contains("'\"legendFormt\"' does not exist");
  }

  private static String typed(String json) {
    return "import { FedmeshDashboard, asDashboard } from '../dashboard-types';\n"
        + "export const dashboard: FedmeshDashboard =\n" + json.strip() + ";\nasDashboard(dashboard);\n";
  }
}
