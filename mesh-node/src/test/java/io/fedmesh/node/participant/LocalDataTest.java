package io.fedmesh.node.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.node.config.DataSource;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.config.ParticipantSettings;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A participant's local data: each kind of source, the seeded holdout, and the checks against the federation's model. */
class LocalDataTest {
  private static final NodeId COORDINATOR = NodeId.ofHex("b".repeat(64));

  @TempDir
  Path dir;

  private static FederationSettings federation(int[] shape, int classes) {
    return FederationSettings.defaults(COORDINATOR, ModelSpec.logistic(), shape, classes);
  }

  private static float[] features(Dataset d) {
    float[] out = new float[d.size() * d.width()];
    d.copyRows(IntStream.range(0, d.size()).toArray(), 0, d.size(), out);
    return out;
  }

  @Test
  void syntheticDataIsOneInstitutionWithASeededHoldout() throws Exception {
    ParticipantSettings settings = new ParticipantSettings("card-fraud", new DataSource.Synthetic(2, 4, 500, 7), 0.2, 3,
        io.fedmesh.coordinator.federation.ParticipantPolicy.defaults());
    LocalData a = LocalData.load(settings);
    LocalData b = LocalData.load(settings);
    assertThat(a.train().size()).isEqualTo(400);
    assertThat(a.holdout().size()).isEqualTo(100);
    assertThat(a.train().sampleShape()).containsExactly(12);
    assertThat(features(a.holdout())).isEqualTo(features(b.holdout()));
    assertThat(a.holdout().labels()).isEqualTo(b.holdout().labels());
    assertThat(a.description()).isEqualTo("synthetic card fraud, institution 2 of 4, 500 rows, seed 7, 500 rows: "
        + "400 trained on, 100 held out (seed 3)");

    LocalData other = LocalData.load(new ParticipantSettings("card-fraud", settings.data(), 0.2, 4, settings.policy()));
    assertThat(features(other.holdout())).isNotEqualTo(features(a.holdout()));
    a.checkFits(federation(new int[] {12}, 2));
  }

  @Test
  void aCsvFileNamedInTheConfigIsReadRelativeToItAndSplitBySeed() throws Exception {
    Files.createDirectories(dir.resolve("data"));
    StringBuilder csv = new StringBuilder("amount,hour,is_fraud\n");
    for (int i = 0; i < 10; i++) {
      csv.append(i).append(',').append(i * 2).append(',').append(i % 3 == 0 ? 1 : 0).append('\n');
    }
    Files.writeString(dir.resolve("data/fraud.csv"), csv);
    String b = "b".repeat(64);
    NodeConfig config = NodeConfig.load(Files.writeString(dir.resolve("node.yaml"), String.join("\n",
        "federations:",
        "  card-fraud:",
        "    members: {" + b + ": [participant, coordinator-eligible]}",
        "    rounds: {coordinator: " + b + ", model: logistic, input_shape: [2], classes: 2}",
        "participant:",
        "  card-fraud: {data: {csv: {path: data/fraud.csv, label: is_fraud}}, holdout: 0.3, holdout_seed: 5}",
        "")));

    LocalData a = LocalData.load(config.participant().get("card-fraud"));
    LocalData again = LocalData.load(config.participant().get("card-fraud"));
    assertThat(a.train().size()).isEqualTo(7);
    assertThat(a.holdout().size()).isEqualTo(3);
    assertThat(features(a.holdout())).isEqualTo(features(again.holdout()));
    float[] all = new float[20];
    System.arraycopy(features(a.train()), 0, all, 0, 14);
    System.arraycopy(features(a.holdout()), 0, all, 14, 6);
    assertThat(IntStream.range(0, 10).map(r -> (int) all[2 * r]).sorted().toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    a.checkFits(config.rounds("card-fraud").orElseThrow());
  }

  @Test
  void aMissingCsvFileIsNamedAtLoad() {
    Path missing = dir.resolve("missing.csv");
    assertThatThrownBy(() -> LocalData.load(ParticipantSettings.defaults("card-fraud", new DataSource.Csv(missing, "label"))))
        .isInstanceOf(IOException.class)
        .hasMessage("participant.card-fraud.data.csv: " + missing + ": no such file");
  }

  @Test
  void rowsOfTheWrongShapeOrWithTooManyClassesDoNotFit() throws Exception {
    LocalData data = LocalData.load(ParticipantSettings.defaults("card-fraud", new DataSource.Synthetic(0, 4, 100, 1)));
    assertThatThrownBy(() -> data.checkFits(federation(new int[] {30}, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("participant.card-fraud.data: rows have shape [12] but the federation's model takes [30]");

    Path file = Files.writeString(dir.resolve("three.csv"), "x,label\n1,0\n2,1\n3,2\n4,0\n5,1\n");
    LocalData three = LocalData.load(ParticipantSettings.defaults("card-fraud", new DataSource.Csv(file, "label")));
    assertThatThrownBy(() -> three.checkFits(federation(new int[] {1}, 2)))
        .hasMessage("participant.card-fraud.data: a row has label 2 but the federation's model has 2 classes (labels 0 to 1)");
    LocalData fitted = three.fitTo(federation(new int[] {1}, 5));
    assertThat(fitted.train().classes()).isEqualTo(5);
    assertThat(fitted.holdout().classes()).isEqualTo(5);
    assertThat(fitted.train().labels()).isEqualTo(three.train().labels());
  }

  @Test
  void idxRowsAreTheSliceAskedForAndASliceBeyondTheFileIsNamed() throws Exception {
    Path images = dir.resolve("images-idx3-ubyte");
    Path labels = dir.resolve("labels-idx1-ubyte");
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
      out.writeInt(0x00000803);
      out.writeInt(6);
      out.writeInt(2);
      out.writeInt(2);
      for (int i = 0; i < 6 * 4; i++) {
        out.writeByte(i / 4 * 50);   // image i is all 50 * i
      }
    }
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(labels))) {
      out.writeInt(0x00000801);
      out.writeInt(6);
      out.write(new byte[] {0, 1, 2, 3, 1, 0});
    }
    LocalData d = LocalData.load(new ParticipantSettings("digits", new DataSource.Idx(images, labels, 2, 3), 0.34, 1,
        io.fedmesh.coordinator.federation.ParticipantPolicy.defaults()));
    assertThat(d.train().size() + d.holdout().size()).isEqualTo(3);
    assertThat(d.train().sampleShape()).containsExactly(1, 2, 2);
    assertThat(d.train().classes()).isEqualTo(4);
    float[] pixels = new float[12];
    System.arraycopy(features(d.train()), 0, pixels, 0, d.train().size() * 4);
    System.arraycopy(features(d.holdout()), 0, pixels, d.train().size() * 4, d.holdout().size() * 4);
    assertThat(IntStream.range(0, 3).map(r -> Math.round(pixels[4 * r] * 255)).sorted().toArray()).containsExactly(100, 150, 200);
    d.checkFits(federation(new int[] {1, 2, 2}, 10));

    assertThatThrownBy(() -> LocalData.load(ParticipantSettings.defaults("digits", new DataSource.Idx(images, labels, 4, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("participant.digits.data.idx: rows 4 to 6 asked for, but " + images + " has 6 rows (0 to 5)");
    assertThat(LocalData.load(ParticipantSettings.defaults("digits", new DataSource.Idx(images, labels, 1, 0))).train().size()
        + LocalData.load(ParticipantSettings.defaults("digits", new DataSource.Idx(images, labels, 1, 0))).holdout().size())
        .isEqualTo(5);
  }
}
