package io.fedmesh.node.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.node.cli.FedmeshMain;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fedmesh simulate` end to end in this JVM: real DJL training, the three report files, and bad input. */
class SimulateCommandTest {
  @TempDir
  Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FedmeshMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void aSmallSyntheticFederationWritesMetricsSummaryAndAChart() throws Exception {
    Path report = dir.resolve("report");
    assertThat(run("simulate", "--clients", "3", "--rounds", "3", "--rows-per-client", "300", "--out", report.toString()))
        .as(err.toString()).isZero();

    List<String> csv = Files.readAllLines(report.resolve("metrics.csv"));
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).isEqualTo(SimulationReport.CSV_HEADER);
    assertThat(csv.get(3)).startsWith("3,3,900,");
    String summary = Files.readString(report.resolve("summary.json"));
    assertThat(summary).contains("\"rounds\": 3", "\"final\": {\"examples\": ", "\"baseline\": {", "\"privacy\": null",
        "\"summation\": \"SecAgg+", "\"aborted_rounds\": 0");
    BufferedImage png = ImageIO.read(report.resolve("accuracy.png").toFile());
    assertThat(png.getWidth()).isEqualTo(800);
    assertThat(out.toString()).contains("round 3: test accuracy", "centralised baseline", "report in");
    assertThat(err.toString()).contains("round 3/3 [").doesNotContain("SLF4J");
  }

  @Test
  void secureAggregationAndCentralDpRunAndReportEpsilon() throws Exception {
    Path report = dir.resolve("dp");
    assertThat(run("simulate", "--clients", "4", "--rounds", "2", "--rows-per-client", "200",
        "--dp-noise", "1.0", "--clip", "0.5", "--sampling-rate", "0.75", "--no-baseline", "--out", report.toString()))
        .as(err.toString()).isZero();
    String summary = Files.readString(report.resolve("summary.json"));
    assertThat(summary).contains("\"summation\": \"SecAgg+", "\"privacy\": {\"noise_multiplier\": 1.00000", "\"epsilon\": ",
        "\"baseline\": null");
    List<String> csv = Files.readAllLines(report.resolve("metrics.csv"));
    assertThat(csv.get(0)).startsWith("round,participants_nonprivate,examples_nonprivate,train_loss_nonprivate,test_loss,")
        .endsWith(",baseline_accuracy_nonprivate,baseline_auc_nonprivate,epsilon,clients_global_accuracy_nonprivate,"
            + "clients_personalised_accuracy_nonprivate,clients_global_auc_nonprivate,clients_personalised_auc_nonprivate");
    assertThat(csv.get(2)).matches("2,\\d+,.*,[0-9.]+,,,,$"); // no per-client held-out data in this run
    assertThat(summary).contains("\"non_private\": [\"baseline_accuracy\"", "\"hyperparameters\": {", "\"seed\": \"1\"",
        "\"dp-noise\": \"1.0\"", "\"dp-mode\": \"central\"", "\"strategy\": \"central-dp(");
    assertThat(out.toString()).contains("privacy spent (nominal: a seeded simulation gives no privacy): epsilon");
    // Epsilon is rounded up, never to nearest: the printed value is at least the exact one in the CSV's precision.
    String printed = out.toString().replaceAll("(?s).*epsilon ([0-9.]+) at delta.*", "$1");
    String[] cells = csv.get(2).split(",", -1);
    String last = cells[java.util.Arrays.asList(csv.get(0).split(",")).indexOf("epsilon")];
    assertThat(new java.math.BigDecimal(printed)).isGreaterThanOrEqualTo(new java.math.BigDecimal(last));
  }

  @Test
  void dpSgdTrainsEveryClientWithRecordLevelNoiseAndReportsItsEpsilon() throws Exception {
    Path report = dir.resolve("dpsgd");
    assertThat(run("simulate", "--clients", "3", "--rounds", "2", "--rows-per-client", "300", "--batch-size", "32",
        "--dp-sgd-noise", "1.1", "--dp-sgd-clip", "1.0", "--no-baseline", "--out", report.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("record-level privacy (DP-SGD, nominal as above): each client's records are (epsilon ");
    assertThat(Files.readString(report.resolve("summary.json"))).contains("\"dp-sgd-noise\": \"1.1\"", "\"aborted_rounds\": 0");
    assertThat(run("simulate", "--dp-sgd-noise", "0")).isEqualTo(2);
  }

  @Test
  void distributedDpRunsInsideSecureAggregationAndNonPrivateDiagnosticsCanBeLeftOut() throws Exception {
    Path report = dir.resolve("ddg");
    assertThat(run("simulate", "--clients", "6", "--rounds", "2", "--rows-per-client", "200", "--dp-noise", "1.0", "--clip",
        "0.5", "--sampling-rate", "1.0", "--dp-mode", "distributed", "--ddg-bits", "24", "--omit-non-private", "--out",
        report.toString())).as(err.toString()).isZero();
    List<String> csv = Files.readAllLines(report.resolve("metrics.csv"));
    assertThat(csv.get(0)).isEqualTo("round,test_loss,test_accuracy,test_precision,test_recall,test_f1,test_auc,epsilon");
    String summary = Files.readString(report.resolve("summary.json"));
    assertThat(summary).contains("\"strategy\": \"distributed-dp(", "\"non_private\": []", "\"ddg-bits\": \"24\"")
        .doesNotContain("\"baseline\"");
    assertThat(out.toString()).doesNotContain("baseline");
    assertThat(run("simulate", "--dp-mode", "sideways")).isEqualTo(2);
    assertThat(run("simulate", "--ddg-bits", "40")).isEqualTo(2);
  }

  @Test
  void aModelExportedFromPyTorchIsFederatedAndOneOfAnotherShapeIsRefusedInOneLine() throws Exception {
    Path file = dir.resolve("fraud.pt");
    // Debian's interpreter by path (a pyenv python3 on PATH has no torch); CI installs python3-torch.
    String python = "/usr/bin/python3";
    Process check = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
    check.getInputStream().readAllBytes();
    org.junit.jupiter.api.Assumptions.assumeTrue(check.waitFor() == 0,
        "skipped: " + python + " cannot import torch (install Debian's python3-torch), so there is no model to export");
    Process export = new ProcessBuilder(python, "-c", String.join("\n",
        "import sys, torch",
        "torch.manual_seed(3)",
        "net = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))",
        "torch.jit.script(net).save(sys.argv[1])"), file.toString()).redirectErrorStream(true).start();
    String said = new String(export.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(export.waitFor()).as(said).isZero();
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));

    Path report = dir.resolve("ts");
    assertThat(run("simulate", "--clients", "3", "--rounds", "2", "--rows-per-client", "300", "--model",
        "torchscript:" + file + "#" + sha, "--out", report.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("model torchscript sha256=" + sha + ", ", "round 2: test accuracy");
    assertThat(Files.readString(report.resolve("summary.json"))).contains("\"aborted_rounds\": 0");

    // Fashion-MNIST's images are not the 12 features this module takes: refused before any round.
    err.getBuffer().setLength(0);
    Path images = Path.of("/usr/share/datasets/fashion-mnist");
    if (Files.isDirectory(images)) {
      assertThat(run("simulate", "--dataset", "fashion-mnist", "--clients", "2", "--rounds", "1", "--rows-per-client", "50",
          "--model", "torchscript:" + file + "#" + sha, "--out", dir.resolve("bad").toString())).isEqualTo(1);
      assertThat(err.toString().lines()).hasSize(1);
      assertThat(err.toString()).startsWith("fedmesh: the torchscript model (sha256 " + sha + ") fails on an input of shape (2, 1, 28, 28)");
    }
    err.getBuffer().setLength(0);
    assertThat(run("simulate", "--model", "torchscript:" + file + "#" + "0".repeat(64))).isEqualTo(2);
    assertThat(err.toString()).startsWith("fedmesh: torchscript file " + file + " has SHA-256 " + sha + ", expected " + "0".repeat(64));
  }

  @Test
  void aServerOptimiserAndScaffoldRunAndPersonalisationReportsBothAccuracies() throws Exception {
    for (String algorithm : new String[] {"fedadam", "scaffold"}) {
      out.getBuffer().setLength(0);
      assertThat(run("simulate", "--clients", "3", "--rounds", "2", "--rows-per-client", "200", "--algorithm", algorithm,
          "--server-lr", algorithm.equals("fedadam") ? "0.01" : "1", "--no-baseline", "--out", dir.resolve(algorithm).toString()))
          .as(err.toString()).isZero();
      assertThat(out.toString()).contains(algorithm.equals("fedadam") ? "fedadam eta=0.01" : "scaffold eta_g=1.0");
    }
    Path report = dir.resolve("personal");
    assertThat(run("simulate", "--clients", "3", "--rounds", "2", "--rows-per-client", "300", "--private-layers", "04Linear",
        "--fine-tune-epochs", "1", "--no-baseline", "--out", report.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("on the clients' own held-out rows: global model accuracy", "personalised");
    List<String> csv = Files.readAllLines(report.resolve("metrics.csv"));
    String[] header = csv.get(0).split(",");
    String[] last = csv.get(2).split(",", -1);
    int personal = java.util.Arrays.asList(header).indexOf("clients_personalised_accuracy");
    assertThat(Double.parseDouble(last[personal])).isBetween(0.0, 1.0);
    assertThat(Files.readString(report.resolve("summary.json"))).contains("\"clients\": {\"global_accuracy\": ");
  }

  @Test
  void badArgumentsExitTwoAndBadDataExitOneWithOneLine() throws Exception {
    String[][] usage = {
        {"simulate", "--clients", "0"},
        {"simulate", "--partition", "dirichlet:x"},
        {"simulate", "--model", "rnn"},
        {"simulate", "--dp-noise", "1"},
        {"simulate", "--dataset", "imagenet"},
        {"simulate", "--dataset", "fashion-mnist", "--partition", "natural"},
        {"simulate", "--algorithm", "fedsgd"},
        {"simulate", "--algorithm", "scaffold", "--optimizer", "adam"},
        {"simulate", "--tau", "0"},
    };
    for (String[] args : usage) {
      err.getBuffer().setLength(0);
      assertThat(run(args)).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString().lines()).hasSize(1);
      assertThat(err.toString()).startsWith("fedmesh: ");
    }
    err.getBuffer().setLength(0);
    assertThat(run("simulate", "--clients", "3", "--rounds", "1", "--rows-per-client", "100", "--private-layers", "head",
        "--out", dir.resolve("h").toString())).isEqualTo(1);
    assertThat(err.toString().strip()).startsWith("fedmesh: private layer 'head' names no parameter").contains("04Linear_weight");
    Path bad = Files.writeString(dir.resolve("bad.csv"), "x,label\n1,0\n,1\n");
    err.getBuffer().setLength(0);
    assertThat(run("simulate", "--dataset", "csv:" + bad, "--out", dir.resolve("o").toString())).isEqualTo(1);
    assertThat(err.toString().strip()).isEqualTo("fedmesh: " + bad + ": line 3, column 'x': missing value (fill or drop such rows before training)");
  }
}
