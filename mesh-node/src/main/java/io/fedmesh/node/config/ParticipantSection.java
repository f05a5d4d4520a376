package io.fedmesh.node.config;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.ParticipantPolicy;
import io.fedmesh.coordinator.privacy.ParticipantLedger;
import io.fedmesh.coordinator.privacy.PrivacyCap;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.data.CsvFiles;
import io.fedmesh.proto.v1.Role;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The config's {@code participant:} section (see {@link NodeConfig}) read into {@link ParticipantSettings}. */
final class ParticipantSection {
  private static final Set<String> KEYS = Set.of("data", "holdout", "holdout_seed", "policy", "privacy_cap");
  private static final Set<String> KINDS = Set.of("synthetic", "csv", "idx");
  private static final Set<String> POLICY = Set.of("require_malicious_server", "min_cohort", "min_threshold", "targets",
      "coordinators", "max_consecutive_aborts");
  static final ParticipantSettings DEFAULTS = ParticipantSettings.defaults("-", new DataSource.Synthetic(0, 4, 2000, 1));
  private static final DataSource.Synthetic SYNTHETIC = (DataSource.Synthetic) DEFAULTS.data();

  private ParticipantSection() {}

  /**
   * @param federations every federation's members and roles
   * @param withRounds the federations that have a {@code rounds:} section (valid or not)
   * @param rounds the federations whose {@code rounds:} section is valid
   * @param base the config file's directory: data paths are relative to it
   * @return one entry per valid federation entry (problems, if any, are in {@code problems})
   */
  static Map<String, ParticipantSettings> parse(Section top, Map<String, Map<NodeId, Set<Role>>> federations,
      Set<String> withRounds, Map<String, FederationSettings> rounds, Path base, List<String> problems) {
    Map<String, ParticipantSettings> out = new TreeMap<>();
    for (String name : top.keys()) {
      Section e = top.section(name);
      int before = problems.size();
      Map<NodeId, Set<Role>> members = federations.get(name);
      if (members == null) {
        problems.add(e.path() + ": no federation '" + name + "' under federations");
      } else if (!withRounds.contains(name)) {
        problems.add(e.path() + ": federations." + name + " has no rounds section, so there are no rounds to take part in");
      }
      e.known(KEYS);
      e.require("data");
      DataSource data = e.has("data") ? data(e.section("data"), base, problems) : null;
      double holdout = e.number("holdout", DEFAULTS.holdout(), "a fraction in (0, 0.9]", v -> v > 0 && v <= 0.9);
      long holdoutSeed = e.whole("holdout_seed", DEFAULTS.holdoutSeed(), Long.MIN_VALUE, Long.MAX_VALUE);
      ParticipantPolicy policy = policy(e.section("policy"), members == null ? Map.of() : members, problems);
      PrivacyCap cap = e.has("privacy_cap") ? privacyCap(e.section("privacy_cap"), problems) : null;
      if (policy != null && cap != null) {
        policy = policy.withPrivacyCap(cap);
      }
      FederationSettings settings = rounds.get(name);
      if (policy != null && settings != null && policy.minCohort() > settings.maxParticipants()) {
        problems.add(e.at("policy.min_cohort") + ": " + policy.minCohort() + " is more than federations." + name
            + ".rounds.participants.max (" + settings.maxParticipants() + "): this node would decline every round");
      }
      if (problems.size() > before) {
        continue;
      }
      try {
        out.put(name, new ParticipantSettings(name, data, holdout, holdoutSeed, policy));
      } catch (IllegalArgumentException x) {
        problems.add(e.path() + ": " + x.getMessage());
      }
    }
    return out;
  }

  private static DataSource data(Section d, Path base, List<String> problems) {
    int before = problems.size();
    d.known(KINDS);
    List<String> kinds = d.keys().stream().filter(KINDS::contains).sorted().toList();
    if (kinds.size() != 1) {
      problems.add(d.path() + ": expected exactly one of csv, idx, synthetic, got "
          + (kinds.isEmpty() ? "none" : String.join(" and ", kinds)));
      return null;
    }
    String kind = kinds.get(0);
    Section s = d.section(kind);
    DataSource source = null;
    try {
      switch (kind) {
        case "synthetic" -> {
          s.known(Set.of("institution", "institutions", "rows", "seed"));
          s.require("institution");
          int institutions = s.integer("institutions", SYNTHETIC.institutions(), 1, 10_000);
          int institution = s.integer("institution", 0, 0, institutions - 1);
          int rows = s.integer("rows", SYNTHETIC.rows(), 2, 1_000_000);
          long seed = s.whole("seed", SYNTHETIC.seed(), Long.MIN_VALUE, Long.MAX_VALUE);
          source = problems.size() > before ? null : new DataSource.Synthetic(institution, institutions, rows, seed);
        }
        case "csv" -> {
          s.known(Set.of("path", "label"));
          s.require("path");
          String path = s.text("path", null);
          String label = s.text("label", CsvFiles.DEFAULT_LABEL);
          source = problems.size() > before ? null : new DataSource.Csv(base.resolve(path), label);
        }
        default -> {
          s.known(Set.of("images", "labels", "first", "count"));
          s.require("images", "labels");
          String images = s.text("images", null);
          String labels = s.text("labels", null);
          int first = s.integer("first", 0, 0, Integer.MAX_VALUE);
          int count = s.integer("count", 0, 0, Integer.MAX_VALUE);
          source = problems.size() > before ? null : new DataSource.Idx(base.resolve(images), base.resolve(labels), first, count);
        }
      }
    } catch (IllegalArgumentException e) {
      problems.add(s.path() + ": " + e.getMessage());
    }
    return source;
  }

  /** {@code privacy_cap: {epsilon, delta}}: epsilon required, delta 1e-5 by default. */
  private static PrivacyCap privacyCap(Section c, List<String> problems) {
    int before = problems.size();
    c.known(Set.of("epsilon", "delta"));
    c.require("epsilon");
    double epsilon = c.number("epsilon", 1, "a number in (0, 1000]", v -> v > 0 && v <= PrivacyCap.MAX_EPSILON);
    double delta = c.number("delta", ParticipantLedger.DEFAULT_DELTA, "a number in (0, 0.1)", v -> v > 0 && v < PrivacyCap.MAX_DELTA);
    return problems.size() > before ? null : new PrivacyCap(epsilon, delta);
  }

  private static ParticipantPolicy policy(Section p, Map<NodeId, Set<Role>> members, List<String> problems) {
    int before = problems.size();
    ParticipantPolicy d = ParticipantPolicy.defaults();
    p.known(POLICY);
    boolean malicious = p.bool("require_malicious_server", d.requireMaliciousServer());
    int minCohort = p.integer("min_cohort", d.minCohort(), 2, 100_000);
    int minThreshold = p.integer("min_threshold", d.minThreshold(), 2, 100_000);
    Section t = p.section("targets").known(Set.of("dropout", "corrupt"));
    double dropout = t.number("dropout", d.targetDropout(), "a fraction in [0, 0.5)", v -> v >= 0 && v < 0.5);
    double corrupt = t.number("corrupt", d.targetCorrupt(), "a fraction in [0, 0.5)", v -> v >= 0 && v < 0.5);
    Set<NodeId> coordinators = new LinkedHashSet<>();
    for (Object c : p.list("coordinators", "a list of node ids")) {
      NodeId id = Section.nodeId(c, p.at("coordinators"), problems);
      if (id == null) {
        continue;
      }
      if (!members.isEmpty() && !members.getOrDefault(id, Set.of()).contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
        p.problem("coordinators", id.hex() + (members.containsKey(id) ? " is a member without role coordinator-eligible"
            : " is not a member of this federation"));
      }
      coordinators.add(id);
    }
    int aborts = p.integer("max_consecutive_aborts", d.maxConsecutiveAborts(), 1, 1_000_000);
    if (problems.size() > before) {
      return null;
    }
    try {
      return new ParticipantPolicy(malicious, minCohort, minThreshold, dropout, corrupt, coordinators, aborts);
    } catch (IllegalArgumentException e) {
      problems.add(p.path() + ": " + e.getMessage());
      return null;
    }
  }
}
