package io.fedmesh.bench.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.TrainingOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The algorithms benchmark at a tiny size on synthetic data: real federations, every output file, the right rows. */
class AlgorithmsBenchTest {
  @TempDir
  Path dir;

  private AlgorithmsBench.Setup setup(int rounds, List<String> algorithms, List<String> tables) {
    return new AlgorithmsBench.Setup("synthetic", dir, tables, 3, rounds, 1, List.of(0.5), algorithms,
        ModelSpec.parse("mlp:8"), ModelSpec.parse("mlp:8"), 60, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 32, 0),
        AlgorithmsBench.ServerOptions.defaults(), dir.resolve("out"));
  }

  @Test
  void tinyRunWritesEveryTableChartAndRow() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AlgorithmsBench.Result result = AlgorithmsBench.run(setup(6, List.of("fedavg", "fedprox"), List.of("fmnist", "fraud")),
        new PrintWriter(out, true), new PrintWriter(err, true));

    assertThat(result.tables()).extracting(AlgorithmsBench.Table::name).containsExactly("fmnist-alpha0.5", "fraud-natural",
        "fraud-personalised");
    for (AlgorithmsBench.Table t : result.tables().subList(0, 2)) {
      assertThat(ImageIO.read(t.png().toFile())).as(t.name()).isNotNull();
      assertThat(t.curves()).extracting(AlgorithmsBench.Curve::algorithm).containsExactly("fedavg", "fedprox");
    }
    // One CSV line per round of every run: (alpha table + fraud table) x 2 algorithms x 1 seed x 6 rounds.
    List<String> csv = Files.readAllLines(result.csv());
    assertThat(csv).hasSize(1 + 2 * 2 * 6);
    assertThat(Files.readString(result.report())).contains("server: fedavg server-lr=1.0; fedprox mu=0.01 server-lr=1.0");

    String text = out.toString();
    // Rows every 5th round and the last: 5 and 6.
    List<String> rows = text.lines().filter(l -> l.matches("\\s+\\d+\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}")).toList();
    assertThat(rows).extracting(l -> l.strip().split("\\s+")[0]).containsExactly("5", "6");
    assertThat(text).contains("round      fedavg     fedprox", "target: not evaluated",
        "== personalised vs global AUC per institution: fedavg, private output layer 04Linear");
    // One row per institution (3) and the median, each with a global and a personalised AUC (NaN where a tiny
    // held-out set has no fraud).
    assertThat(text.lines().filter(l -> l.matches("(\\d|median)\\s+(\\d\\.\\d{4}|NaN)\\s+(\\d\\.\\d{4}|NaN)")).count())
        .isEqualTo(4);
    assertThat(ImageIO.read(result.tables().get(2).png().toFile())).isNotNull();
    assertThat(text.lines().filter(l -> l.startsWith("fedavg ") || l.startsWith("fedprox ")).toList()).hasSize(2);
    assertThat(err.toString()).contains("fraud-natural fedprox seed 1: round 6");
  }

  @Test
  void shownRoundsAreEveryFifthAndTheLast() {
    assertThat(AlgorithmsBench.shownRounds(3)).containsExactly(3);
    assertThat(AlgorithmsBench.shownRounds(10)).containsExactly(5, 10);
    assertThat(AlgorithmsBench.shownRounds(50)).containsExactly(5, 10, 15, 20, 25, 30, 35, 40, 45, 50);
    assertThat(AlgorithmsBench.shownRounds(12)).containsExactly(5, 10, 12);
  }

  @Test
  void targetIsTheFirstRoundAnAcceleratedAlgorithmReachesFedAvgsFinalAccuracy() {
    double[][] fedavg = {{0.5, 0.6, 0.7, 0.8}};
    double[][] fedadam = {{0.6, 0.8, 0.85, 0.9}};
    double[][] scaffold = {{0.1, 0.2, 0.3, 0.81}};
    double[][] nan = {{Double.NaN, Double.NaN, Double.NaN, Double.NaN}};
    AlgorithmsBench.Target t = AlgorithmsBench.target(0.1, 4, List.of(new AlgorithmsBench.Curve("fedavg", fedavg, nan),
        new AlgorithmsBench.Curve("scaffold", scaffold, nan), new AlgorithmsBench.Curve("fedadam", fedadam, nan)));
    assertThat(t.fedAvgFinal()).isEqualTo(0.8);
    assertThat(t.firstReaching()).isEqualTo(Map.of("scaffold", 4, "fedadam", 2));
    assertThat(t.best()).isEqualTo(2);
    assertThat(t.pass()).isTrue();

    AlgorithmsBench.Target slow = AlgorithmsBench.target(0.1, 4, List.of(new AlgorithmsBench.Curve("fedavg", fedavg, nan),
        new AlgorithmsBench.Curve("scaffold", scaffold, nan)));
    assertThat(slow.best()).isEqualTo(4);
    assertThat(slow.pass()).isFalse();
    assertThat(AlgorithmsBench.target(0.1, 4, List.of(new AlgorithmsBench.Curve("fedavg", fedavg, nan)))).isNull();
  }

  @Test
  void everyAlgorithmTrainsARealFederationThroughTheBench() throws Exception {
    List<String> all = List.of("fedavg", "fedprox", "scaffold", "fedavgm", "fedadam", "fedyogi", "fedadagrad");
    AlgorithmsBench.Result result = AlgorithmsBench.run(setup(3, all, List.of("fraud")), new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()));
    AlgorithmsBench.Table fraud = result.tables().get(0);
    assertThat(fraud.curves()).extracting(AlgorithmsBench.Curve::algorithm).containsExactlyElementsOf(all);
    for (AlgorithmsBench.Curve c : fraud.curves()) {
      // Real DJL training on the fraud data, every round through SecAgg+: better than chance by round 3.
      assertThat(c.accuracy()[0][2]).as(c.algorithm()).isGreaterThan(0.5);
    }
  }

  @Test
  void anUnknownAlgorithmIsRefusedBeforeAnythingTrains() {
    assertThatThrownBy(() -> AlgorithmsBench.run(setup(2, List.of("fedavg", "fedsgd"), List.of("fraud")),
        new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("strategy 'fedsgd' is not one of");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
