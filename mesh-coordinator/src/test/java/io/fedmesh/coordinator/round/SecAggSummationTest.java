package io.fedmesh.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.IidPartitioner;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.simulation.ClientUpdate;
import io.fedmesh.ml.simulation.Simulation;
import io.fedmesh.ml.simulation.Summation;
import io.fedmesh.ml.strategy.AggregatedUpdate;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Secure aggregation inside a simulation: the same sums, and so the same model, up to quantisation error. */
class SecAggSummationTest {

  @Test
  void theSecureSumMatchesThePlainSumUpToQuantisationError() {
    Random r = new Random(4);
    List<ClientUpdate> updates = new ArrayList<>();
    for (int c = 0; c < 5; c++) {
      float[] u = new float[300];
      for (int i = 0; i < u.length; i++) {
        u[i] = (float) (r.nextGaussian() * 0.1);
      }
      updates.add(new ClientUpdate(c, u, 100 + 37 * c, 100));
    }
    SecAggSummation secure = new SecAggSummation(1.0, 9);

    AggregatedUpdate s = secure.sum(1, updates, 300);
    AggregatedUpdate p = Summation.plain().sum(1, updates, 300);

    assertThat(s.contributors()).isEqualTo(5);
    // Weights are quantised to 12 bits against the largest: relative error about 2^-12.
    assertThat(s.totalWeight()).isCloseTo(p.totalWeight(), within(p.totalWeight() * 1e-3));
    for (int i = 0; i < 300; i++) {
      assertThat((double) s.weightedSum()[i] / s.totalWeight())
          .isCloseTo((double) p.weightedSum()[i] / p.totalWeight(), within(2e-4));
    }
    assertThat(secure.clampedValues()).isZero();
  }

  @Test
  void valuesOutsideTheRangeAreClampedAndCountedAndALoneUpdateIsNeverSummed() {
    SecAggSummation secure = new SecAggSummation(0.5, 1);
    List<ClientUpdate> updates = List.of(new ClientUpdate(0, new float[] {2f, 0f}, 1, 1),
        new ClientUpdate(1, new float[] {0f, -3f}, 1, 1));
    AggregatedUpdate s = secure.sum(1, updates, 2);
    assertThat(secure.clampedValues()).isEqualTo(2);
    assertThat(s.weightedSum()[0]).isCloseTo(0.5f, within(1e-3f));
    assertThat(s.weightedSum()[1]).isCloseTo(-0.5f, within(1e-3f));

    AggregatedUpdate alone = secure.sum(2, updates.subList(0, 1), 2);
    assertThat(alone.contributors()).isZero();
    assertThat(alone.weightedSum()).containsOnly(0f);
  }

  @Test
  void aSecureSimulationEndsWithTheSameModelAsAPlainOneUpToQuantisation() {
    SyntheticFraud world = new SyntheticFraud(4, 3);
    Dataset train = world.all(400, 0);
    Dataset test = world.all(300, 1);
    int[][] parts = new IidPartitioner().split(train, 4, new Random(1));
    List<Dataset> clients = new ArrayList<>();
    for (int[] p : parts) {
      clients.add(train.subset(p));
    }
    FedAvg fedAvg = new FedAvg(TrainingOptions.defaults(), 1.0, 1.0, 0);
    Simulation.Result plain = new Simulation(ModelSpec.mlp(16), clients, test, fedAvg, Summation.plain(), 5, System::nanoTime)
        .run(3, false, r -> { });
    Simulation.Result secure = new Simulation(ModelSpec.mlp(16), clients, test, fedAvg, new SecAggSummation(1.0, 5), 5,
        System::nanoTime).run(3, false, r -> { });

    double maxDiff = 0;
    for (int i = 0; i < plain.finalModel().length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(plain.finalModel()[i] - secure.finalModel()[i]));
    }
    assertThat(maxDiff).isLessThan(2e-3);
    assertThat(secure.rounds().get(2).test().accuracy())
        .isCloseTo(plain.rounds().get(2).test().accuracy(), within(0.01));
    assertThat(secure.rounds().get(2).test().auc()).isCloseTo(plain.rounds().get(2).test().auc(), within(0.01));
  }
}
