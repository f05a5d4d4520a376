package io.fedmesh.node.simulate;

import io.fedmesh.ml.data.CsvFiles;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.data.IdxFiles;
import io.fedmesh.ml.data.Partitioner;
import io.fedmesh.ml.data.SyntheticFraud;
import io.fedmesh.ml.data.TrainTestSplit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The data of a simulated federation: each client's training rows and the shared test set. */
record SimulationData(String description, List<Dataset> clients, Dataset test) {
  static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  /**
   * @param dataset synthetic, fashion-mnist or csv:PATH
   * @param partition a {@link Partitioner} form, or "natural" (synthetic only: each client is one institution)
   */
  static SimulationData load(String dataset, String partition, int clients, int rowsPerClient, Path fashionDir, long seed)
      throws IOException {
    if (dataset.equals("synthetic")) {
      SyntheticFraud world = new SyntheticFraud(clients, seed);
      Dataset test = world.all(Math.max(100, rowsPerClient / 2), 1);
      if (partition.equals("natural")) {
        List<Dataset> parts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          parts.add(world.institution(i, rowsPerClient, 0));
        }
        return new SimulationData("synthetic card fraud, " + clients + " institutions x " + rowsPerClient
            + " transactions, one institution per client", parts, test);
      }
      return split("synthetic card fraud", world.all(rowsPerClient, 0), test, partition, clients, seed);
    }
    if (partition.equals("natural")) {
      throw new IllegalArgumentException("partition 'natural' exists only for the synthetic dataset (one institution per client)");
    }
    if (dataset.equals("fashion-mnist")) {
      return split("Fashion-MNIST (" + fashionDir + ")", IdxFiles.fashionMnist(fashionDir, true),
          IdxFiles.fashionMnist(fashionDir, false), partition, clients, seed);
    }
    if (dataset.startsWith("csv:") && dataset.length() > 4) {
      Path file = Path.of(dataset.substring(4));
      TrainTestSplit split = TrainTestSplit.holdOut(CsvFiles.read(file, CsvFiles.DEFAULT_LABEL), 0.2, seed);
      return split("CSV " + file + " (20% held out for testing)", split.train(), split.test(), partition, clients, seed);
    }
    throw new IllegalArgumentException("dataset '" + dataset + "' is not synthetic, fashion-mnist or csv:PATH");
  }

  private static SimulationData split(String what, Dataset train, Dataset test, String partition, int clients, long seed) {
    Partitioner partitioner = Partitioner.parse(partition);
    int[][] rows = partitioner.split(train, clients, new Random(seed));
    List<Dataset> parts = new ArrayList<>();
    for (int[] r : rows) {
      parts.add(train.subset(r));
    }
    return new SimulationData(what + ", " + train.size() + " training rows split " + partitioner.describe() + " over "
        + clients + " clients", parts, test);
  }
}
