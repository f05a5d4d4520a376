package io.fedmesh.ml.data;

import java.util.Arrays;
import java.util.Random;

/**
 * Size skew: rows shuffled (so each client's label mix is like the whole), but each client's share of
 * them drawn from Dirichlet(alpha) over clients, every client keeping at least one row.
 */
public final class QuantitySkewPartitioner implements Partitioner {
  private final double alpha;

  public QuantitySkewPartitioner(double alpha) {
    Dirichlet.checkAlpha(alpha);
    this.alpha = alpha;
  }

  @Override
  public int[][] split(Dataset data, int clients, Random random) {
    Partitioner.checkEnoughRows(data, clients);
    int[] order = Shuffle.permutation(data.size(), random);
    double[] p = Dirichlet.sample(clients, alpha, random);
    int spare = data.size() - clients; // one row each first, the rest by share
    int[] sizes = new int[clients];
    int given = 0;
    for (int c = 0; c < clients; c++) {
      sizes[c] = 1 + (int) Math.floor(p[c] * spare);
      given += sizes[c];
    }
    for (int c = 0; given < data.size(); c = (c + 1) % clients) {
      sizes[c]++;
      given++;
    }
    int[][] out = new int[clients][];
    int from = 0;
    for (int c = 0; c < clients; c++) {
      out[c] = Arrays.copyOfRange(order, from, from + sizes[c]);
      from += sizes[c];
    }
    return out;
  }

  @Override
  public String describe() {
    return "quantity:" + alpha;
  }
}
