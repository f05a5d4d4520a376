package io.fedmesh.coordinator.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.federation.FederationStrategies;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.data.TrainTestSplit;
import io.fedmesh.ml.model.ModelSpec;
import io.fedmesh.ml.train.LocalModel;
import io.fedmesh.ml.train.Personalisation;
import io.fedmesh.ml.train.TrainingOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * FedPer in a simulated federation (real DJL, SecAgg+): the global model's private layers never move
 * (nothing of them is summed), and every client evaluates the global and its personalised model on its
 * own held-out rows.
 */
class PersonalisedSimulationTest {
  @Test
  void privateLayersStayHomeAndBothEvaluationsAreReported() {
    SyntheticFraud fraud = new SyntheticFraud(4, 21);
    List<Dataset> trains = new ArrayList<>();
    List<Dataset> holdouts = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      TrainTestSplit split = TrainTestSplit.holdOut(fraud.institution(c, 500, 0), 0.2, c);
      trains.add(split.train());
      holdouts.add(split.test());
    }
    Dataset test = fraud.all(100, 99);
    Dataset first = trains.get(0);
    String head;
    float[] initial;
    int privateFrom;
    try (LocalModel m = new LocalModel(ModelSpec.mlp(8), first.sampleShape(), 2, 5)) {
      var entries = m.layout().entries();
      var weights = entries.get(entries.size() - 2);
      head = weights.name().substring(0, weights.name().indexOf('_'));
      privateFrom = weights.offset();
      initial = m.parameters();
    }
    FederationSettings settings = new FederationSettings(NodeId.ofBytes(new byte[NodeId.BYTES]), ModelSpec.mlp(8),
        first.sampleShape(), 2, 5, "fedavg", 1.0, new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 32, 0), 2, 100,
        1.0, 60_000, 30_000, 30_000, 0.1, 0.05, 1000, false, 10, 0, 1e-5)
        .withPersonalisation(new Personalisation(List.of(head), 1));
    FederationSimulation.Result result = new FederationSimulation(settings, trains, holdouts, test,
        FederationStrategies.of(settings, 1.0, 4, SimulationRandom.fromSeed(1)), 5, System::nanoTime)
        .run(3, false, r -> { });

    for (int i = privateFrom; i < initial.length; i++) {
      assertThat(result.finalModel()[i]).as("private coordinate " + i).isEqualTo(initial[i]);
    }
    assertThat(result.finalModel()[0]).isNotEqualTo(initial[0]); // the shared layers trained
    for (RoundRecord r : result.rounds()) {
      assertThat(r.committed()).as(r.reason()).isTrue();
      assertThat(r.clients()).extracting(RoundRecord.ClientScore::client).containsExactly(0, 1, 2, 3);
      for (RoundRecord.ClientScore s : r.clients()) {
        assertThat(s.global().examples()).isEqualTo(holdouts.get(s.client()).size());
        assertThat(s.personalised().examples()).isEqualTo(s.global().examples());
      }
    }
    RoundRecord last = result.rounds().get(2);
    // The global model's head is its untrained initial one; each client's own head is trained on its data.
    assertThat(last.federatedPersonalised().accuracy()).isGreaterThan(last.federatedGlobal().accuracy());
  }
}
