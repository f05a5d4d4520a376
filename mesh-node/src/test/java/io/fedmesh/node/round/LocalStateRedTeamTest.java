package io.fedmesh.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.round.LocalWork;
import io.fedmesh.coordinator.round.ModelBlob;
import io.fedmesh.coordinator.round.TrainingRequest;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.train.Personalisation;
import io.fedmesh.ml.train.PrivateLayers;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.ml.train.UpdateClipping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A participant's kept state (SCAFFOLD's c_i, a personalising participant's own model) against a lying
 * coordinator and damage on disk, through the node's real DJL local work (issue 17).
 */
class LocalStateRedTeamTest {
  private static final double CLIP = 1.0;
  private static final TrainingOptions SGD = new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 8, 0);

  @TempDir
  Path dir;

  private static FederationSettings settings(String algorithm, ModelSpec model, Personalisation p) {
    var coordinator = SigningKey.generate(SimulationRandom.fromSeed(1)).verifyingKey().nodeId();
    FederationSettings d = FederationSettings.defaults(coordinator, model, new int[] {4}, 2);
    return new FederationSettings(coordinator, d.model(), d.inputShape(), 2, 1, algorithm, 1.0, SGD, 2, 100, CLIP, 1000,
        1000, 1000, 0.2, 0.05, 100, false, CLIP, 0, 1e-5, io.fedmesh.coordinator.federation.PrivacySettings.central(),
        new AdaptiveOptions(0.9, 0.99, 1e-2)).withPersonalisation(p);
  }

  private static Dataset data(int rows, long seed) {
    Random r = new Random(seed);
    float[] x = new float[rows * 4];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = r.nextInt(2);
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) r.nextGaussian() + (y[i] == 1 ? 1 : -1);
      }
    }
    return new Dataset(x, y, new int[] {4}, 2);
  }

  private static int parameters(FederationSettings s) {
    try (var m = new io.fedmesh.ml.train.LocalModel(s.model(), s.inputShape(), s.classes(), s.initSeed())) {
      return m.layout().size();
    }
  }

  private static TrainingRequest request(long round, float[] control) {
    return new TrainingRequest(round, SGD, CLIP, false, 100, null, control);
  }

  @Test
  void aStateOfAnotherSizeIsTheCoordinatorsFaultNotTheKeptFiles() throws Exception {
    FederationSettings s = settings("scaffold", ModelSpec.logistic(), Personalisation.none());
    int n = parameters(s);
    Path controlFile = dir.resolve("fed.scaffold-control");
    float[] kept = new float[n];
    Arrays.fill(kept, 0.01f);
    Files.write(controlFile, ModelBlob.encode(kept));
    byte[] before = Files.readAllBytes(controlFile);
    try (DjlLocalWork work = new DjlLocalWork(s, data(32, 1), data(8, 2), controlFile, null)) {
      // A lying coordinator's FedAdam-sized state [x|m|v] read as SCAFFOLD's [x|c]: 3n/2 values of "model".
      int wrong = 3 * n / 2;
      assertThatThrownBy(() -> work.train(new float[wrong], request(1, new float[wrong])))
          .hasMessageContaining("global model").hasMessageNotContaining("remove it");
      work.roundEnded(1, true);
    }
    assertThat(Files.readAllBytes(controlFile)).isEqualTo(before);
  }

  @Test
  void aDamagedControlFileIsNamedAndNothingIsTrainedFromZero() throws Exception {
    FederationSettings s = settings("scaffold", ModelSpec.logistic(), Personalisation.none());
    int n = parameters(s);
    Path controlFile = dir.resolve("fed.scaffold-control");
    Files.write(controlFile, Arrays.copyOf(ModelBlob.encode(new float[n]), 4 * n - 3)); // truncated
    try (DjlLocalWork work = new DjlLocalWork(s, data(32, 1), data(8, 2), controlFile, null)) {
      assertThatThrownBy(() -> work.train(new float[n], request(1, new float[n]))).hasMessageContaining(controlFile.toString());
      work.roundEnded(1, true);
    }
    assertThat(Files.size(controlFile)).isEqualTo(4L * n - 3); // left for the operator, not overwritten
  }

  @Test
  void aDamagedPersonalModelIsNamedAndNothingIsTrainedFromTheGlobalPrivateLayers() throws Exception {
    FederationSettings s = settings("fedavg", ModelSpec.mlp(4), new Personalisation(List.of("04Linear"), 0));
    int n = parameters(s);
    Path personalFile = dir.resolve("fed.personal-model");
    float[] own = new float[n];
    own[3] = Float.NaN;
    Files.write(personalFile, ModelBlob.encode(own));
    try (DjlLocalWork work = new DjlLocalWork(s, data(32, 1), data(8, 2), null, personalFile)) {
      assertThatThrownBy(() -> work.train(new float[n], request(1, null))).hasMessageContaining(personalFile.toString());
    }
  }

  @Test
  void extremeServerControlNeverGetsPastTheClipAndAnAbortKeepsCi() throws Exception {
    FederationSettings s = settings("scaffold", ModelSpec.logistic(), Personalisation.none());
    int n = parameters(s);
    Path controlFile = dir.resolve("fed.scaffold-control");
    try (DjlLocalWork work = new DjlLocalWork(s, data(32, 1), data(8, 2), controlFile, null)) {
      for (float extreme : new float[] {1e30f, -Float.MAX_VALUE, 3e38f, 1e-30f}) {
        float[] c = new float[n];
        Arrays.fill(c, extreme);
        c[0] = -extreme;
        try {
          LocalWork.Trained t = work.train(new float[n], request(1, c));
          assertThat(t.update()).hasSize(2 * n);
          for (float v : t.update()) {
            assertThat(Float.isFinite(v)).isTrue();
          }
          assertThat(UpdateClipping.norm(Arrays.copyOfRange(t.update(), 0, n))).isLessThanOrEqualTo(CLIP * (1 + 1e-5));
          assertThat(UpdateClipping.norm(Arrays.copyOfRange(t.update(), n, 2 * n))).isLessThanOrEqualTo(CLIP * (1 + 1e-5));
        } catch (RuntimeException declined) {
          // diverged: declined, nothing sent
        }
        work.roundEnded(1, false); // aborted
        assertThat(controlFile).doesNotExist();
      }
      // A committed round then keeps a finite c_i.
      float[] c = new float[n];
      Arrays.fill(c, 1e30f);
      try {
        work.train(new float[n], request(2, c));
        work.roundEnded(2, true);
        float[] ci = ModelBlob.decode(Files.readAllBytes(controlFile), n);
        assertThat(ci).hasSize(n);
      } catch (RuntimeException declined) {
        work.roundEnded(2, false);
        assertThat(controlFile).doesNotExist();
      }
    }
  }

  @Test
  void privateCoordinatesAreExactlyZeroInWhatIsSummedAndAnAbortKeepsTheOwnModel() throws Exception {
    FederationSettings s = settings("fedavg", ModelSpec.mlp(4), new Personalisation(List.of("04Linear"), 0));
    int n = parameters(s);
    Path personalFile = dir.resolve("fed.personal-model");
    PrivateLayers priv;
    try (var m = new io.fedmesh.ml.train.LocalModel(s.model(), s.inputShape(), s.classes(), s.initSeed())) {
      priv = PrivateLayers.of(m.layout(), List.of("04Linear"));
    }
    float[] own = new float[n];
    for (int i = 0; i < n; i++) {
      // A distinctive private head, its rows unequal: equal rows give the hidden layer exactly zero
      // gradients, which DJL's trainer refuses.
      own[i] = priv.isPrivate(i) ? 5f + 0.25f * (i % 7) : 0;
    }
    Files.write(personalFile, ModelBlob.encode(own));
    byte[] before = Files.readAllBytes(personalFile);
    float[] global = new float[n];
    for (int i = 0; i < n; i++) {
      global[i] = 0.05f + 0.01f * (i % 11);
    }
    try (DjlLocalWork work = new DjlLocalWork(s, data(64, 1), data(8, 2), null, personalFile)) {
      LocalWork.Trained t = work.train(global, request(1, null));
      int shared = 0;
      for (int i = 0; i < n; i++) {
        if (priv.isPrivate(i)) {
          assertThat(Float.floatToRawIntBits(t.update()[i])).as("private coordinate %d", i).isZero(); // +0.0 exactly
        } else if (t.update()[i] != 0) {
          shared++;
        }
      }
      assertThat(shared).isPositive();
      work.roundEnded(1, false);
      assertThat(Files.readAllBytes(personalFile)).isEqualTo(before);
      work.train(global, request(2, null));
      work.roundEnded(2, true);
      assertThat(Files.readAllBytes(personalFile)).isNotEqualTo(before);
    }
  }
}
