package io.fedmesh.node.admin;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.DescribeFederationResponse;
import io.fedmesh.proto.v1.FinishedRound;
import io.fedmesh.proto.v1.Member;
import io.fedmesh.proto.v1.ModelInfo;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.RoundStatusResponse;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The admin commands' {@code --json} output: one JSON object per answer, keys as in admin.proto
 * (snake_case), numbers as numbers, a metric nobody reported (NaN) as {@code null}.
 */
public final class AdminJson {
  private AdminJson() {}

  static String status(RoundStatusResponse s) {
    return "{\"federation\": " + string(s.getFederation().getName()) + ", \"round\": " + s.getRound()
        + ", \"phase\": " + string(s.getPhase()) + ", \"invited\": " + s.getInvited() + ", \"advertised\": " + s.getAdvertised()
        + ", \"declined\": " + s.getDeclined() + ", \"dropped\": " + s.getDropped() + ", \"rounds_left\": " + s.getRoundsLeft()
        + ", \"model_sha256\": " + string(s.getModelSha256())
        + ", \"history\": [" + s.getHistoryList().stream().map(AdminJson::finished).collect(Collectors.joining(", ")) + "]}";
  }

  static String finished(FinishedRound f) {
    return "{\"round\": " + f.getRound() + ", \"outcome\": " + string(f.getOutcome()) + ", \"reason\": " + string(f.getReason())
        + ", \"model_sha256\": " + string(f.getModelSha256()) + ", \"contributors\": " + f.getContributors()
        + ", \"evaluation_examples\": " + f.getEvaluationExamples() + ", \"loss\": " + number(f.getLoss())
        + ", \"accuracy\": " + number(f.getAccuracy()) + ", \"auc\": " + number(f.getAuc())
        + ", \"duration_millis\": " + f.getDurationMillis()
        + (f.getHasPersonalised() ? ", \"personalised_accuracy\": " + number(f.getPersonalisedAccuracy())
            + ", \"personalised_auc\": " + number(f.getPersonalisedAuc()) : "") + "}";
  }

  static String models(String federation, List<ModelInfo> models) {
    return "{\"federation\": " + string(federation) + ", \"models\": [" + models.stream().map(m -> "{\"sha256\": "
        + string(m.getSha256()) + ", \"size_bytes\": " + m.getSizeBytes() + ", \"manifest\": " + string(m.getManifest())
        + ", \"damaged\": " + m.getDamaged() + "}").collect(Collectors.joining(", ")) + "]}";
  }

  static String federation(DescribeFederationResponse d) {
    return "{\"federation\": " + string(d.getFederation().getName()) + ", \"runs_coordinator\": " + d.getRunsCoordinator()
        + ", \"members\": [" + d.getMembersList().stream().map(m -> "{\"node\": " + string(hex(m)) + ", \"roles\": ["
            + m.getRolesList().stream().map(r -> string(role(r))).collect(Collectors.joining(", ")) + "]}")
            .collect(Collectors.joining(", "))
        + "], \"rounds_yaml\": " + (d.getRoundsYaml().isEmpty() ? "null" : string(d.getRoundsYaml())) + "}";
  }

  public static String hex(Member m) {
    return NodeId.ofBytes(m.getNode().getSha256().toByteArray()).hex();
  }

  /** A role as the config spells it: participant, coordinator-eligible, admin. */
  public static String role(Role r) {
    return r.name().substring("ROLE_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }

  /** A JSON string literal (RFC 8259: quote, backslash and control characters escaped). */
  public static String string(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
