package io.fedmesh.bench.round;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One reading of a node's Prometheus {@code /metrics} (text format): every sample by its series, the
 * metric name with its labels as printed ({@code fedmesh_round_bytes_total{direction="sent",...}}).
 */
record Scrape(Map<String, Double> samples) {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Scrape of(int metricsPort) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("metrics on port " + metricsPort + ": HTTP " + response.statusCode());
    }
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      try {
        samples.put(line.substring(0, space).strip(), Double.parseDouble(line.substring(space + 1)));
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        // not a sample line
      }
    }
    return new Scrape(samples);
  }

  /** The sum of metric {@code name}'s samples whose labels pass {@code labels} (a missing metric sums to 0). */
  double sum(String name, Predicate<String> labels) {
    double total = 0;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String series = e.getKey();
      int brace = series.indexOf('{');
      String metric = brace < 0 ? series : series.substring(0, brace);
      if (metric.equals(name) && labels.test(brace < 0 ? "" : series.substring(brace))) {
        total += e.getValue();
      }
    }
    return total;
  }

  double sum(String name) {
    return sum(name, labels -> true);
  }

  /** Each value of label {@code label} among metric {@code name}'s samples, with the sum of its samples. */
  Map<String, Double> byLabel(String name, String label) {
    Map<String, Double> out = new HashMap<>();
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(label + "=\"([^\"]*)\"");
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String series = e.getKey();
      int brace = series.indexOf('{');
      if (brace > 0 && series.substring(0, brace).equals(name)) {
        java.util.regex.Matcher m = p.matcher(series);
        if (m.find()) {
          out.merge(m.group(1), e.getValue(), Double::sum);
        }
      }
    }
    return out;
  }
}
