package io.fedmesh.ml.data;

import java.util.Locale;
import java.util.Random;

/**
 * Splits a dataset's rows among simulated clients: each client gets the row indices returned for it.
 * Seeded through the {@link Random} passed in, so a partition is reproducible.
 */
public interface Partitioner {

  /**
   * @return for each of {@code clients} clients, its row indices (every row in exactly one client's, no client empty)
   * @throws IllegalArgumentException if there are fewer rows than clients, or no partition with every client non-empty is found
   */
  int[][] split(Dataset data, int clients, Random random);

  /** What the partitioner does, for reports ("iid", "dirichlet:0.5", "quantity:0.5"). */
  String describe();

  /**
   * {@code iid}, {@code dirichlet:ALPHA} (label skew) or {@code quantity:ALPHA} (size skew).
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  static Partitioner parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("iid")) {
      return new IidPartitioner();
    }
    int colon = t.indexOf(':');
    if (colon > 0) {
      String kind = t.substring(0, colon);
      double alpha;
      try {
        alpha = Double.parseDouble(t.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("partition '" + text + "': '" + t.substring(colon + 1) + "' is not a number");
      }
      if (kind.equals("dirichlet")) {
        return new DirichletPartitioner(alpha);
      }
      if (kind.equals("quantity")) {
        return new QuantitySkewPartitioner(alpha);
      }
    }
    throw new IllegalArgumentException("partition '" + text + "' is not one of iid, dirichlet:ALPHA, quantity:ALPHA");
  }

  static void checkEnoughRows(Dataset data, int clients) {
    if (clients < 1) {
      throw new IllegalArgumentException("need at least one client, got " + clients);
    }
    if (data.size() < clients) {
      throw new IllegalArgumentException(data.size() + " rows cannot give each of " + clients + " clients one");
    }
  }
}
