package io.fedmesh.ml.data;

import java.util.Arrays;
import java.util.Random;

/** Rows shuffled and dealt out in equal shares (sizes differ by at most one). */
public final class IidPartitioner implements Partitioner {
  @Override
  public int[][] split(Dataset data, int clients, Random random) {
    Partitioner.checkEnoughRows(data, clients);
    int[] order = Shuffle.permutation(data.size(), random);
    int[][] out = new int[clients][];
    for (int c = 0; c < clients; c++) {
      int from = (int) ((long) data.size() * c / clients);
      int to = (int) ((long) data.size() * (c + 1) / clients);
      out[c] = Arrays.copyOfRange(order, from, to);
    }
    return out;
  }

  @Override
  public String describe() {
    return "iid";
  }
}
