package io.fedmesh.ml.simulation;

import io.fedmesh.ml.strategy.AggregatedUpdate;
import java.util.List;

/**
 * How a round's updates become their weighted sum: plainly in this process, or through secure
 * aggregation (the coordinator module supplies that one), so the simulation runs either way.
 */
public interface Summation {
  AggregatedUpdate sum(int round, List<ClientUpdate> updates, int length);

  String describe();

  /** The sum computed in the clear, in double precision. */
  static Summation plain() {
    return new Summation() {
      @Override
      public AggregatedUpdate sum(int round, List<ClientUpdate> updates, int length) {
        double[] sum = new double[length];
        double weights = 0;
        for (ClientUpdate u : updates) {
          for (int i = 0; i < length; i++) {
            sum[i] += u.weight() * u.update()[i];
          }
          weights += u.weight();
        }
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
          out[i] = (float) sum[i];
        }
        return new AggregatedUpdate(out, weights, updates.size());
      }

      @Override
      public String describe() {
        return "plain sum";
      }
    };
  }
}
