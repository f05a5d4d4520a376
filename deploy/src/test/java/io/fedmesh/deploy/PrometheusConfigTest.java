package io.fedmesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/prometheus/ through promtool: the config, the alert rules, and the rules' unit tests. */
class PrometheusConfigTest {
  static final Path DIR = Tools.DEPLOY.resolve("prometheus");
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void theConfigIsValid() throws Exception {
    Tools.Result r = Tools.run(DIR, TIMEOUT, Tools.promtool().toString(), "check", "config", "prometheus.yml");
    assertThat(r.ok()).as(r.output()).isTrue();
    // The rules the config loads are the ones checked below.
    assertThat(r.output()).contains("rules/fedmesh.yml");
  }

  @Test
  void theRulesAreValid() throws Exception {
    List<String> command = new ArrayList<>(List.of(Tools.promtool().toString(), "check", "rules"));
    command.addAll(files("rules"));
    assertThat(command).hasSizeGreaterThan(3);
    Tools.Result r = Tools.run(DIR, TIMEOUT, command);
    assertThat(r.ok()).as(r.output()).isTrue();
  }

  @Test
  void theRulesPassTheirUnitTests() throws Exception {
    List<String> command = new ArrayList<>(List.of(Tools.promtool().toString(), "test", "rules"));
    command.addAll(files("tests"));
    assertThat(command).hasSizeGreaterThan(3);
    Tools.Result r = Tools.run(DIR, TIMEOUT, command);
    assertThat(r.ok()).as(r.output()).isTrue();
    assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
  }

  /** Every alert in rules/ is exercised by a unit test in tests/. */
  @Test
  void everyAlertHasAUnitTest() throws Exception {
    StringBuilder tests = new StringBuilder();
    for (String f : files("tests")) {
      tests.append(Files.readString(DIR.resolve(f)));
    }
    for (String f : files("rules")) {
      for (String line : Files.readAllLines(DIR.resolve(f))) {
        String t = line.strip();
        if (t.startsWith("- alert:")) {
          String alert = t.substring("- alert:".length()).strip();
          assertThat(tests).as("a unit test of " + alert + " in tests/").contains("alertname: " + alert + "\n");
        }
      }
    }
  }

  /** The checks above fail for a broken file (so a green run means something). */
  @Test
  void promtoolRefusesABrokenRuleAndAFailingTest(@TempDir Path tmp) throws Exception {
    Path rules = Files.writeString(tmp.resolve("broken.yml"),
        "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum by (instance (up)\n");
    assertThat(Tools.run(tmp, TIMEOUT, Tools.promtool().toString(), "check", "rules", rules.toString()).ok()).isFalse();
    Files.writeString(tmp.resolve("ok.yml"), "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up == 0\n");
    Path test = Files.writeString(tmp.resolve("test.yml"), "rule_files: [ok.yml]\ntests:\n  - interval: 1m\n    input_series:\n"
        + "      - series: 'up{instance=\"a\"}'\n        values: '1 1 1'\n    alert_rule_test:\n      - eval_time: 2m\n"
        + "        alertname: X\n        exp_alerts:\n          - exp_labels: {instance: a}\n");
    assertThat(Tools.run(tmp, TIMEOUT, Tools.promtool().toString(), "test", "rules", test.toString()).ok()).isFalse();
  }

  static List<String> files(String sub) throws Exception {
    try (Stream<Path> s = Files.list(DIR.resolve(sub))) {
      return s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
          .map(p -> sub + "/" + p.getFileName()).sorted().toList();
    }
  }
}
