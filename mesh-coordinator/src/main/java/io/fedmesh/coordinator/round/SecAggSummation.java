package io.fedmesh.coordinator.round;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.quantize.Modulus;
import io.fedmesh.crypto.quantize.Quantizer;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.secagg.InProcessRound;
import io.fedmesh.crypto.secagg.server.SecAggResult;
import io.fedmesh.crypto.secagg.shared.ParameterFinder;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.ml.simulation.ClientUpdate;
import io.fedmesh.ml.simulation.Summation;
import io.fedmesh.ml.strategy.AggregatedUpdate;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.SecAggConfig;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Sums a simulated round's updates through the real SecAgg+ engines (every participant a client, the
 * coordinator the server, in this process), so a simulation shows what secure aggregation does to a
 * model: each value is quantised to the widest grid that cannot overflow 32 bits for this many
 * participants, and each weight to {@value #WEIGHT_BITS} bits.
 *
 * <p>Values must lie in [-range, range]: clip updates to an L2 norm at most {@code range} (then every
 * coordinate does), or choose a range they stay within; values outside are clamped and counted.
 */
public final class SecAggSummation implements Summation {
  static final int WEIGHT_BITS = 12;

  private final double range;
  private final long seed;
  private long clamped;

  /** @param range the largest magnitude a value may have; @param seed of the engines' randomness (simulation only) */
  public SecAggSummation(double range, long seed) {
    if (!(range > 0) || Double.isInfinite(range)) {
      throw new IllegalArgumentException("secure aggregation range must be positive and finite, got " + range);
    }
    this.range = range;
    this.seed = seed;
  }

  /** Values clamped to the range so far. */
  public long clampedValues() {
    return clamped;
  }

  /**
   * The sum, in the units of the weights given: SecAgg's integer weights are scaled back, so the
   * result matches a plain sum up to quantisation error. Fewer than 2 participants cannot be summed
   * without revealing the one update: such a round contributes nothing.
   */
  @Override
  public AggregatedUpdate sum(int round, List<ClientUpdate> updates, int length) {
    int n = updates.size();
    if (n < 2) {
      return new AggregatedUpdate(new float[length], 0, 0);
    }
    double cap = updates.stream().mapToDouble(ClientUpdate::weight).max().orElseThrow();
    SecAggParameters params = new SecAggParameters(config(round, n, length));
    float[][] values = new float[n][];
    long[] weights = new long[n];
    for (int c = 0; c < n; c++) {
      ClientUpdate u = updates.get(c);
      values[c] = clampToRange(u.update());
      weights[c] = params.weightFor(Math.round(u.weight() * 1_000_000), Math.round(cap * 1_000_000));
    }
    InProcessRound.Outcome outcome = InProcessRound.run(params, values, weights, InProcessRound.Dropouts.none(),
        SimulationRandom.fromSeed(seed * 31 + round));
    SecAggResult result = outcome.server().result().orElseThrow(() -> new IllegalStateException(
        "secure aggregation of round " + round + " failed: " + outcome.server().abortReason().map(Object::toString).orElse("?")));
    double unit = cap / params.quantizer().maxWeight();
    float[] sum = new float[length];
    for (int i = 0; i < length; i++) {
      sum[i] = (float) (result.weightedSum()[i] * unit);
    }
    return new AggregatedUpdate(sum, result.weightTotal() * unit, result.survivors().length);
  }

  @Override
  public String describe() {
    return "SecAgg+ (range " + range + ", " + WEIGHT_BITS + "-bit weights)";
  }

  private float[] clampToRange(float[] update) {
    float[] out = update.clone();
    float r = (float) range;
    for (int i = 0; i < out.length; i++) {
      if (out[i] > r || out[i] < -r) {
        out[i] = Math.max(-r, Math.min(r, out[i]));
        clamped++;
      }
    }
    return out;
  }

  private SecAggConfig config(int round, int n, int length) {
    ParameterFinder.Result kt = ParameterFinder.find(n, 0.1, 0.05);
    SecAggConfig.Builder b = SecAggConfig.newBuilder()
        .setFederation(FederationId.newBuilder().setName("simulation"))
        .setRound(round).setVectorLength(length)
        .setNeighbours(kt.neighbours()).setThreshold(kt.threshold())
        .setClip(range).setValueBits(valueBits(n)).setWeightBits(WEIGHT_BITS).setChunkWords(1 << 18);
    for (int c = 0; c < n; c++) {
      byte[] id = ByteBuffer.allocate(32).putInt(c).putInt(28, 1).array();
      b.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(id)));
    }
    return b.build();
  }

  /** The widest value grid whose sum over n weighted values cannot wrap 32 bits. */
  private int valueBits(int n) {
    for (int bits = 31 - WEIGHT_BITS; bits >= 2; bits--) {
      try {
        new Quantizer(range, bits, WEIGHT_BITS, Modulus.BITS_32).checkCapacity(n);
        return bits;
      } catch (RuntimeException tooWide) {
        // try one bit fewer
      }
    }
    throw new IllegalArgumentException(n + " participants are too many to sum with " + WEIGHT_BITS + "-bit weights in 32 bits");
  }
}
