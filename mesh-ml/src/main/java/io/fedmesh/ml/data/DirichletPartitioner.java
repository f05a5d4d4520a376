package io.fedmesh.ml.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Label skew (Hsu et al. 2019): for each class, the shares of its rows that go to each client are
 * drawn from Dirichlet(alpha). Small alpha (0.1) gives clients a few classes each; large alpha
 * (100) approaches IID. Draws again (up to {@value #ATTEMPTS} times) until every client has a row.
 */
public final class DirichletPartitioner implements Partitioner {
  private static final int ATTEMPTS = 100;
  private final double alpha;

  public DirichletPartitioner(double alpha) {
    Dirichlet.checkAlpha(alpha);
    this.alpha = alpha;
  }

  @Override
  public int[][] split(Dataset data, int clients, Random random) {
    Partitioner.checkEnoughRows(data, clients);
    List<List<Integer>> byClass = new ArrayList<>();
    for (int k = 0; k < data.classes(); k++) {
      byClass.add(new ArrayList<>());
    }
    for (int row = 0; row < data.size(); row++) {
      byClass.get(data.label(row)).add(row);
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      List<List<Integer>> shares = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        shares.add(new ArrayList<>());
      }
      for (List<Integer> rows : byClass) {
        int[] order = rows.stream().mapToInt(Integer::intValue).toArray();
        Shuffle.shuffle(order, random);
        double[] p = Dirichlet.sample(clients, alpha, random);
        double cumulative = 0;
        int from = 0;
        for (int c = 0; c < clients; c++) {
          cumulative += p[c];
          int to = c == clients - 1 ? order.length : (int) Math.round(cumulative * order.length);
          for (int i = from; i < Math.max(from, to); i++) {
            shares.get(c).add(order[i]);
          }
          from = Math.max(from, to);
        }
      }
      if (shares.stream().noneMatch(List::isEmpty)) {
        return shares.stream().map(s -> s.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
      }
    }
    throw new IllegalArgumentException("no Dirichlet(" + alpha + ") partition of " + data.size() + " rows gave each of "
        + clients + " clients a row in " + ATTEMPTS + " draws: use fewer clients or a larger alpha");
  }

  @Override
  public String describe() {
    return "dirichlet:" + alpha;
  }
}
